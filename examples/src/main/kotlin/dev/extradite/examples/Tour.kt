@file:JvmName("Tour")

package dev.extradite.examples

import dev.extradite.ExtraditeRemoteError
import dev.extradite.RemoteObject
import dev.extradite.closeSession
import dev.extradite.extradite
import dev.extradite.named
import dev.extradite.prewarmSession
import kotlinx.coroutines.runBlocking
import java.nio.file.Path

/**
 * The README's manual examples, run one after the other against `com.acme.heavy` (each checks
 * its results; a wrong one exits non-zero).
 */
fun main() = runBlocking {
    val heavyJar = Path.of(System.getProperty("heavy.jar", "libs/heavy.jar"))
    val heavy = arrayOf(heavyJar, heavyJar.resolveSibling("heavy-api.jar"))  // the target and the API it uses
    sharedSession(heavy)
    println("sessions: two RemoteClass handles shared one child")
    callbacks(heavy)
    println("callbacks: a lambda as IntUnaryOperator, and 16 nested host-child-host levels")
    batch(heavy)
    println("batch: 100 calls in one round trip")
    errors(heavy)
    arguments(heavy)
    println("arguments: named, and Kotlin defaults for those left out")
    println("tour OK")
}

// README: sessions
suspend fun sharedSession(heavy: Array<Path>) {
    prewarmSession("heavy") { classpath(*heavy) }              // starts the child now, e.g. at application start
    val first = extradite("com.acme.heavy.Counter") { classpath(*heavy); shareKey("heavy") }
    val second = extradite("com.acme.heavy.Counter") { classpath(*heavy); shareKey("heavy") }
    first(1)                                                     // constructs a Counter in the shared child
    check(second.get("created") == 1)                            // one child JVM: the same static
    first.close()
    second.close()                                               // the child stays for its keep-alive (30 s after a prewarm)
    check(closeSession("heavy"))                                 // or stops now
}
// README end

// README: callbacks
suspend fun callbacks(heavy: Array<Path>) {
    extradite("com.acme.heavy.Callbacks") { classpath(*heavy) }.use { callbacksClass ->
        val callbacks: RemoteObject = callbacksClass()
        // The target takes a java.util.function.IntUnaryOperator: a Kotlin lambda crosses as a handle.
        check(callbacks.call("applyTwice", { x: Int -> x * 10 }, 3) == 300)

        // bounce(host, depth) calls host(depth - 1), which calls bounce again: re-entrant both ways.
        lateinit var host: (Int) -> Int
        host = { depth -> callbacks.callBlocking("bounce", host, depth) as Int }
        check(callbacks.call("bounce", host, 16) == 16)
    }
}
// README end

// README: batch
suspend fun batch(heavy: Array<Path>) {
    extradite("com.acme.heavy.Counter") { classpath(*heavy) }.use { counters ->
        val counter = counters(0)
        val results = counter.batch("increment", List(100) { listOf(1) })  // 100 calls, one round trip
        check(results == (1..100).toList())
    }
}
// README end

// README: errors
suspend fun errors(heavy: Array<Path>) {
    extradite("com.acme.heavy.Failing") { classpath(*heavy) }.use { failingClass ->
        try {
            failingClass().call("fail", "disk full")
            error("fail(...) returned")
        } catch (remote: ExtraditeRemoteError) {                    // thrown at this call site
            check(remote.remoteTypeName == "java.lang.IllegalStateException")
            check(remote.remoteMessage == "disk full")
            println("errors: ${remote.message}\n${remote.remoteTraceback.lines().take(2).joinToString("\n")}")
        }
    }
}
// README end

// README: arguments
suspend fun arguments(heavy: Array<Path>) {
    // class Welcome(greeting: String = "Hello", ...) { fun greet(name: String, times: Int = 1, separator: String = " ") }
    extradite("com.acme.heavy.Welcome") { classpath(*heavy) }.use { welcomes ->
        val welcome = welcomes.newInstance()                                  // greeting = "Hello"
        check(welcome.call("greet", "Ann") == "Hello, Ann!")                  // times = 1, separator = " "
        check(welcome.call("greet", "Ann", named("separator", "/"), named("times", 2)) == "Hello, Ann!/Hello, Ann!")
    }
}
// README end
