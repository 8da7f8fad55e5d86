package com.acme.api;

/** A Java record of values both sides load. */
public record Range(int lo, int hi) {
    public int length() {
        return hi - lo;
    }
}
