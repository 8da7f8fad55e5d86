package com.acme.heavy;

/** A target whose toString() returns null, as Java allows. */
public class Nameless {
    @Override
    public String toString() { return null; }
}
