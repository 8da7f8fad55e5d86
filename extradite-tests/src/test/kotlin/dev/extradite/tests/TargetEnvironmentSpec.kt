package dev.extradite.tests

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe

/** A target finds in its child what a library expects of the application that loads it. */
class TargetEnvironmentSpec : FunSpec({
    val probe = Fixtures.open("com.acme.heavy.Probe")
    afterSpec { probe.close() }

    test("the thread a call runs on has the target's class loader as its context class loader, whatever the last call set") {
        probe.call("contextLoaderIsTargets") shouldBe true
        probe.call("replaceContextLoader")
        probe.call("contextLoaderIsTargets") shouldBe true
    }

    test("a suspend target resumes with the target's class loader as the context class loader too") {
        Fixtures.open("com.acme.heavy.Counter").use { counters ->
            counters.newInstance().call("contextLoaderIsTargetsAfterSuspending") shouldBe true
        }
    }

    test("System.in is empty in the child: reading it ends at once instead of waiting for input that never comes") {
        probe.call("readStdin") shouldBe "0 -1"
    }
})
