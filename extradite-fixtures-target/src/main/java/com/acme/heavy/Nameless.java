package com.acme.heavy;

/** A target whose toString() returns null, as Java allows; and one whose toString() throws. */
public class Nameless {
    @Override
    public String toString() { return null; }

    /** An object whose toString() throws. */
    public Object grumpy() {
        return new Object() {
            @Override
            public String toString() { throw new IllegalStateException("no description today"); }
        };
    }
}
