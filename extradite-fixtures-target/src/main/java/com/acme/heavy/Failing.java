package com.acme.heavy;

import java.io.IOException;

/** Targets that throw, for error fidelity. */
public class Failing {
    public void fail(String message) {
        throw new IllegalStateException(message);
    }

    public void failWithCause() throws IOException {
        try {
            throw new HeavyException("inner problem");
        } catch (HeavyException inner) {
            IOException outer = new IOException("outer problem", inner);
            outer.addSuppressed(new IllegalArgumentException("suppressed problem"));
            throw outer;
        }
    }

    public int recurse(int n) {
        return recurse(n + 1) + 1;
    }

    public String ok() {
        return "still alive";
    }

    /** A protected record returned by value: the host must refuse it. */
    public Secret secret() {
        return new Secret("classified");
    }

    public Mode mode() {
        return Mode.FAST;
    }
}
