package com.acme.heavy;

/** An exception type of the protected tree: the host must describe it without loading it. */
public class HeavyException extends RuntimeException {
    public HeavyException(String message) {
        super(message);
    }
}
