package com.acme.api.hidden;

/** A superclass in a package that tests protect. */
public class Base {
}
