@file:JvmName("Extradite")

package dev.extradite

import dev.extradite.internal.host.SessionRegistry

/**
 * Runs the class [target] in a new child JVM and returns its [RemoteClass]; blocks until the
 * child is up and the class is loaded.
 *
 * [target] is a binary class name (`"com.acme.heavy.Counter"`; `"com.acme.heavy:Counter"` is
 * accepted too). Its package and sub-packages form the protected tree, which must not be defined
 * in this JVM: the call fails fast with [ExtraditeModuleLeakError] when it is. See
 * [ExtraditeBuilder] for the options and [ExtraditeBuilder.open] for the errors.
 *
 * ```kotlin
 * extradite("com.acme.heavy.Counter") { classpath("libs/heavy.jar") }.use { counters ->
 *     val counter = counters(3)
 *     check(counter.call("increment", 2) == 5)
 * }
 * ```
 */
public fun extradite(target: String, configure: ExtraditeBuilder.() -> Unit = {}): RemoteClass =
    ExtraditeBuilder(target).apply(configure).open()

/**
 * A builder for [target], for Java and for configuring in steps; call [ExtraditeBuilder.open].
 *
 * ```java
 * RemoteClass counters = Extradite.target("com.acme.heavy.Counter").classpath(Path.of("heavy.jar")).open();
 * ```
 */
public fun target(target: String): ExtraditeBuilder = ExtraditeBuilder(target)

/**
 * Starts the shared child of [shareKey] now, so that the first `extradite(...)` with that key
 * finds it warm; blocks until it is up. Returns true when it started one, false when one was
 * already running. [configure] takes the same options as `extradite(...)` (the key is set for
 * you); a keep-alive of 30 seconds applies unless [ExtraditeBuilder.keepAlive] says otherwise.
 *
 * ```kotlin
 * prewarmSession("parsers") { classpath("libs/parser.jar") }
 * val parsers = extradite("com.acme.Parser") { shareKey("parsers"); classpath("libs/parser.jar") }  // no start-up wait
 * ```
 */
@JvmOverloads
public fun prewarmSession(shareKey: String, configure: ExtraditeBuilder.() -> Unit = {}): Boolean =
    ExtraditeBuilder(null).apply(configure).shareKey(shareKey).prewarm()

/**
 * Stops the shared child of [shareKey] at once, whatever handles it still has (their calls then
 * fail with [ExtraditeProtocolError]). Returns true when one was running.
 */
public fun closeSession(shareKey: String): Boolean = SessionRegistry.close(shareKey)

/**
 * [value] passed to the parameter called [name], in a call by name; see [NamedArgument].
 *
 * ```java
 * greeter.callBlocking("greet", "Ann", Extradite.named("separator", " / "));
 * ```
 *
 * @throws IllegalArgumentException when [name] is not a valid Java or Kotlin identifier.
 */
public fun named(name: String, value: Any?): NamedArgument {
    require(name.isJavaIdentifier()) {
        "'$name' is not a parameter name; pass the name the target declares, such as named(\"separator\", \"/\")"
    }
    return NamedArgument(name, value)
}

/** Whether this is a Java identifier (a package segment, a class or parameter name). */
internal fun String.isJavaIdentifier(): Boolean =
    isNotEmpty() && Character.isJavaIdentifierStart(this[0]) && drop(1).all(Character::isJavaIdentifierPart)
