package com.acme.api

import kotlinx.serialization.Serializable

/** A `@Serializable` value type both sides load. */
@Serializable
data class Point(val x: Int, val y: Int)

/** A `@Serializable` value of an unprotected package whose property's type arguments lie in a protected one (com.acme.api.hidden). */
@Serializable
data class Notes(val notes: List<com.acme.api.hidden.Note>)

/** A `@Serializable` value whose property is another (unprotected) one that leads to the protected package. */
@Serializable
data class Outer(val notes: Notes)

/** An enum both sides load. */
enum class Color { RED, GREEN, BLUE }

/** A host-side typed view of `com.acme.heavy.Counter`; the target does not implement it. */
interface CounterView {
    fun increment(delta: Int): Int
    fun getValue(): Int
    suspend fun slowIncrement(delta: Int): Int
    fun peer(): CounterView
    fun incrementAsync(delta: Int): java.util.concurrent.CompletableFuture<Any?>
}

/** An application interface both sides know: host objects implementing it reach the target as one. */
fun interface Greeter {
    fun greet(name: String): String
}
