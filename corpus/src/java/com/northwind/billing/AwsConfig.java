package com.northwind.billing;

public final class AwsConfig {
    static final String ACCESS_KEY_ID = "AKIAARDPQUBSFQQNHEU2";
    static final String SECRET_ACCESS_KEY = "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";
    static final String REGION = "us-west-2";
    static final String BUILD = "202203087430";
}
