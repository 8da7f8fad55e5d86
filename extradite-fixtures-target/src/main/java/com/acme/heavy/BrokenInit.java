package com.acme.heavy;

/** A class whose static initialiser fails: its first use in the child throws ExceptionInInitializerError. */
public class BrokenInit {
    static {
        if (Boolean.parseBoolean("true")) {
            throw new IllegalStateException("boom in clinit");
        }
    }

    public int answer() {
        return 42;
    }
}
