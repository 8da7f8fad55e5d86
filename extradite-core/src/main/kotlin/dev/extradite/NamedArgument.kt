package dev.extradite

/**
 * An argument passed by parameter name in a call by name; make one with [named]
 * (`Extradite.named(...)` from Java).
 *
 * Named arguments follow the positional ones, each name at most once. The child matches them to
 * the parameter names of the target's methods and constructors: a Kotlin target's from its
 * metadata; a Java target's only when it was compiled with `javac -parameters`. Parameters that
 * are neither passed nor named take their Kotlin default values (a `vararg`, an empty array). A
 * call that no function accepts so (an unknown name, a parameter left out without a default)
 * fails with an [UnsupportedInteractionError] that lists the candidates with their parameter names.
 *
 * ```kotlin
 * greeter.call("greet", "Ann", named("separator", " / "), named("times", 2))
 * ```
 *
 * @property name the parameter's name, as declared.
 * @property value the argument, sent as any other argument is.
 */
public class NamedArgument internal constructor(public val name: String, public val value: Any?) {
    override fun toString(): String = "$name = $value"
}
