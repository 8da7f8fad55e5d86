package com.acme.api;

/** A record of an unprotected package whose component's type lies in a protected one (com.acme.api.hidden). */
public record Wrapped(com.acme.api.hidden.Inner inner) {
}
