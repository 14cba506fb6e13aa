package notify

var token = "xoxp-20583172650-176840989446-4769087160751-c567736b1545f7fe700dbd6004e9c53b"
var hfToken = "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"
var version = "6.16.54"
