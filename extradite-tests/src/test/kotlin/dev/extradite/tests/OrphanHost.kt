package dev.extradite.tests

import dev.extradite.ChildOutputMode
import dev.extradite.extradite

/**
 * A host process for [HostDeathSpec]: opens a child, prints `CHILD <pid>`, then either waits to
 * be killed (`wait`), returns from main without closing anything (`exit`), or has the child
 * print a line to the stdout it inherited (`inherit`).
 */
object OrphanHost {
    @JvmStatic
    fun main(args: Array<String>) {
        val probes = extradite("com.acme.heavy.Probe") {
            classpath(args[0])
            if (args[1] == "inherit") childOutput(ChildOutputMode.INHERIT)
        }
        println("CHILD ${probes.callBlocking("pid")}")
        System.out.flush()
        if (args[1] == "inherit") probes.callBlocking("say", "a line the child wrote to the inherited stdout")
        if (args[1] == "wait") Thread.sleep(Long.MAX_VALUE)
    }
}
