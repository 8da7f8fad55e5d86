package com.acme.api;

/** A record whose component type is unprotected, but whose supertype is protected. */
public record Holder(Mid mid) {
}
