@file:JvmName("Extradite")

package dev.extradite

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
