package dev.extradite.tests

import dev.extradite.extradite

/**
 * A host process for [HostDeathSpec]: opens a child, prints `CHILD <pid>`, then either waits to
 * be killed (`wait`) or returns from main without closing anything (`exit`).
 */
object OrphanHost {
    @JvmStatic
    fun main(args: Array<String>) {
        val probes = extradite("com.acme.heavy.Probe") { classpath(args[0]) }
        println("CHILD ${probes.callBlocking("pid")}")
        System.out.flush()
        if (args[1] == "wait") Thread.sleep(Long.MAX_VALUE)
    }
}
