package com.acme.heavy;

/** A record in the protected tree. */
public record Secret(String code) {}
