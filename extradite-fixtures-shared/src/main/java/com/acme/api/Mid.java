package com.acme.api;

/** An unprotected class whose superclass lies in a protected package: loading it loads that. */
public class Mid extends com.acme.api.hidden.Base {
}
