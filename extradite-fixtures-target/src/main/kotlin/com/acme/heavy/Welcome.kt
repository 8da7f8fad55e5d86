package com.acme.heavy

import kotlinx.coroutines.delay

/** An interface with a method body: Kotlin compiles a forwarder to it into each implementing class. */
interface Titled {
    fun title(prefix: String = "Dr. "): String = prefix + "Who"
}

/** Kotlin default arguments, called by name from the host with trailing arguments left out. */
class Welcome(private val greeting: String = "Hello", private val punctuation: Char = '!') : Titled {
    fun greet(name: String, times: Int = 1, separator: String = " "): String =
        List(times) { "$greeting, $name$punctuation" }.joinToString(separator)

    /** `b` has no default: a call with one argument must fail, not pass 0 for it. */
    fun needsTwo(a: Int, b: Int, c: Int = 30): Int = a + b + c

    /** An overload without defaults beats one that needs them, as in Kotlin. */
    fun pick(x: Int): String = "exact $x"

    fun pick(x: Int, y: Int = 2): String = "defaulted $x $y"

    suspend fun later(name: String, millis: Long = 1): String {
        delay(millis)
        return "later $name after $millis ms"
    }

    fun apply(f: (Int) -> Int, x: Int = 5): Int = f(x)

    /** With `kind("s")`, Kotlin calls the String overload (more specific), leaving `y` to its default. */
    fun kind(x: Any): String = "any $x"

    fun kind(x: String, y: Int = 0): String = "string $x $y"

    /** With `size(1)`, Kotlin (which has no widening) calls the Int overload. */
    fun size(x: Long): String = "long $x"

    fun size(x: Int, y: Int = 0): String = "int $x $y"

    /** A vararg parameter with a default: `tags()` gets the default, not an empty array. */
    fun tags(vararg names: String = arrayOf("default")): List<String> = names.toList()

    /** An override, whose defaults are its superclass's. */
    fun derived(): Base = Derived()

    /** With `few(1)`, Kotlin calls the overload that leaves the fewest parameters to defaults. */
    fun few(a: Int, b: Int = 1): String = "two $a $b"

    fun few(a: Int, b: Int = 1, c: Int = 2): String = "three $a $b $c"

    /** Ambiguous among the plain overloads for ("x", "y"); Kotlin picks the defaulted one, more specific than both. */
    fun amb(a: Any, b: String): String = "any-string"

    fun amb(a: String, b: Any): String = "string-any"

    fun amb(a: String, b: String, c: Int = 0): String = "string-string $c"

    /** A suspend function's trailing vararg is no JVM variable-arity parameter; left out, it is empty. */
    suspend fun tally(a: Any): String = "any $a"

    suspend fun tally(a: String, vararg xs: Int): String = "string ${xs.size}"

    /** A vararg without a default, before a parameter with one: left out, it is empty. */
    fun middle(a: Int, vararg xs: String, z: Int = 5): String = "$a ${xs.toList()} $z"

    /** Its `hidden` has no default, whatever its superclass's private function of that signature has. */
    fun privateSub(): PrivateBase = PrivateSub()

    /** An override of a generic interface's function, whose default the override inherits. */
    fun store(): Store<String> = StringStore()

    /** A JDK object, by handle: its class files carry no parameter names. */
    fun builder(): StringBuilder = StringBuilder("built")

    /** 34 parameters: the defaults' bit mask takes two ints. */
    fun wide(
        a0: Int,
        a1: Int = 1,
        a2: Int = 2,
        a3: Int = 3,
        a4: Int = 4,
        a5: Int = 5,
        a6: Int = 6,
        a7: Int = 7,
        a8: Int = 8,
        a9: Int = 9,
        a10: Int = 10,
        a11: Int = 11,
        a12: Int = 12,
        a13: Int = 13,
        a14: Int = 14,
        a15: Int = 15,
        a16: Int = 16,
        a17: Int = 17,
        a18: Int = 18,
        a19: Int = 19,
        a20: Int = 20,
        a21: Int = 21,
        a22: Int = 22,
        a23: Int = 23,
        a24: Int = 24,
        a25: Int = 25,
        a26: Int = 26,
        a27: Int = 27,
        a28: Int = 28,
        a29: Int = 29,
        a30: Int = 30,
        a31: Int = 31,
        a32: Int = 32,
        a33: Int = 33,
    ): Int = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 + a12 + a13 + a14 + a15 + a16 + a17 + a18 + a19 + a20 + a21 + a22 + a23 + a24 + a25 + a26 + a27 + a28 + a29 + a30 + a31 + a32 + a33

    companion object {
        fun make(prefix: String = "made", count: Int = 2): String = prefix.repeat(count)

        @JvmStatic
        fun shout(word: String = "hey"): String = word.uppercase()
    }
}

/** A top-level function with a default, called as a static of `WelcomeKt`. */
fun scaled(x: Int, factor: Int = 10): Int = x * factor

/** Declares a default that [Derived]'s override inherits. */
open class Base {
    open fun describe(x: Int, unit: String = "cm"): String = "base $x$unit"
}

class Derived : Base() {
    override fun describe(x: Int, unit: String): String = "derived $x$unit"
}

open class PrivateBase {
    private fun hidden(a: Int, b: Int = 1): String = "base $a $b"

    fun callHidden(): String = hidden(0)
}

class PrivateSub : PrivateBase() {
    fun hidden(a: Int, b: Int): String = "sub $a $b"
}

interface Store<T> {
    fun put(x: T, y: Int = 1): String
}

class StringStore : Store<String> {
    override fun put(x: String, y: Int): String = "$x $y"
}
