package com.acme.api.hidden

import kotlinx.serialization.Serializable

/** A `@Serializable` value of a package that tests protect: the host must never load it. */
@Serializable
data class Note(val text: String)
