@file:JvmName("QuickStart")

package dev.extradite.examples

import dev.extradite.RemoteObject
import dev.extradite.extradite
import kotlinx.coroutines.runBlocking

// README: quick-start-kotlin
fun main() = runBlocking {
    val heavyJar = System.getProperty("heavy.jar", "libs/heavy.jar")
    extradite("com.acme.heavy.Counter") { classpath(heavyJar) }.use { counters ->
        val counter: RemoteObject = counters(3)          // constructed in the child JVM
        val five = counter.call("increment", 2)          // 5, an Int
        counter.set("label", "five")                     // Kotlin property, by name
        val label = counter.get("label")                 // "five"
        val created = counters.get("created")            // a static property
        println("increment -> $five, label -> $label, created -> $created, toString -> $counter")
        check(five == 5 && label == "five") { "unexpected results: $five, $label" }
    }
    check(runCatching { Class.forName("com.acme.heavy.Counter") }.isFailure) { "the host loaded the target" }
    println("quick start OK: the host never loaded com.acme.heavy")
}
// README end
