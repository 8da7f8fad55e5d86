package com.acme.api.hidden;

/** A value type of a package that tests protect: the host must never load it. */
public record Inner(int n) {
}
