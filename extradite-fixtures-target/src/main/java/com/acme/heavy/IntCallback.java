package com.acme.heavy;

/** A functional interface of the protected tree: the host cannot implement it, only be adapted to it. */
@FunctionalInterface
public interface IntCallback {
    int call(int value);
}
