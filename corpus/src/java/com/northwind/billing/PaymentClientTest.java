package com.northwind.billing;

class PaymentClientTest {
    private static final String TEST_CARD = "5105105105105100";
    private static final String STRIPE_KEY = "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";
    private static final String ORDER = "INV-62830";
    private static final String RUN_ID = "a9e9443a-9e1b-4a8e-804c-a5627fde41a8";
}
