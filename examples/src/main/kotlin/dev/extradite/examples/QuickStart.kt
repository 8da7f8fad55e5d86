package dev.extradite.examples

import dev.extradite.RemoteObject
import dev.extradite.extradite
import kotlinx.coroutines.runBlocking

// The README's quick start, verbatim between the markers; the build runs it with -Pdemo.
// --- quick start ---
fun main() = runBlocking {
    val heavyJar = System.getProperty("heavy.jar", "libs/heavy.jar")
    extradite("com.acme.heavy.Counter") { classpath(heavyJar) }.use { counters ->
        val counter: RemoteObject = counters(3)          // constructed in the child JVM
        val five = counter.call("increment", 2)          // 5, an Int
        counter.set("label", "five")                     // Kotlin property, by name
        val label = counter.get("label")                 // "five"
        val created = counters.get("created")            // a static property
        println("increment -> $five, label -> $label, created -> $created, toString -> $counter")
        // --- end quick start ---
        check(five == 5) { "expected 5, got $five" }
        check(label == "five") { "expected five, got $label" }
        check(runCatching { Class.forName("com.acme.heavy.Counter") }.isFailure) { "the host loaded the target!" }
    }
    println("quick start OK: the host never loaded com.acme.heavy")
}
