package com.acme.heavy;

/** An enum in the protected tree. */
public enum Mode { FAST, SAFE }
