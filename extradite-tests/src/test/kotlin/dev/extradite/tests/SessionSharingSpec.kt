package dev.extradite.tests

import dev.extradite.ExtraditeProtocolError
import dev.extradite.closeSession
import dev.extradite.prewarmSession
import dev.extradite.target
import io.kotest.assertions.nondeterministic.eventually
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import java.time.Duration
import kotlin.time.Duration.Companion.seconds

/** shareKey, keepAlive, prewarmSession and closeSession. */
class SessionSharingSpec : FunSpec({
    test("every extradite with one share key shares one child, across target classes, until the last handle closes") {
        val probes = Fixtures.open("com.acme.heavy.Probe") { shareKey("share-1") }
        val counters = Fixtures.open("com.acme.heavy.Counter") { shareKey("share-1") }
        val pid = probes.call("pid") as Long
        val probes2 = Fixtures.open("com.acme.heavy.Probe") { shareKey("share-1") }
        probes2.call("pid") shouldBe pid
        probes.close()
        counters.newInstance(1).call("increment", 1) shouldBe 2
        probes2.call("pid") shouldBe pid
        counters.close()
        Fixtures.isAlive(pid) shouldBe true
        probes2.close()
        eventually(10.seconds) { Fixtures.isAlive(pid) shouldBe false }
    }

    test("conflicting settings for one key are refused, naming the difference") {
        Fixtures.open("com.acme.heavy.Probe") { shareKey("share-2") }.use {
            val error = shouldThrow<IllegalArgumentException> {
                Fixtures.open("com.acme.heavy.Probe") {
                    shareKey("share-2")
                    jvmArgs("-Xmx64m")
                }
            }
            error.message shouldContain "jvmArgs"
            error.message shouldContain "-Xmx64m"
        }
    }

    test("a keep-alive given by a later caller holds for the key: a different one is refused, the same one accepted") {
        Fixtures.open("com.acme.heavy.Probe") { shareKey("share-8") }.use { first ->
            Fixtures.open("com.acme.heavy.Probe") {
                shareKey("share-8")
                keepAlive(Duration.ofSeconds(5))
            }.use { second ->
                val error = shouldThrow<IllegalArgumentException> {
                    Fixtures.open("com.acme.heavy.Probe") {
                        shareKey("share-8")
                        keepAlive(Duration.ofSeconds(10))
                    }
                }
                error.message shouldContain "keepAlive: the session has PT5S, this call asks for PT10S"
                Fixtures.open("com.acme.heavy.Probe") {
                    shareKey("share-8")
                    keepAlive(Duration.ofSeconds(5))
                }.use { third -> third.call("pid") shouldBe first.call("pid") }
                second.call("pid") shouldBe first.call("pid")
            }
        }
        closeSession("share-8")
    }

    test("keepAlive requires a share key") {
        shouldThrow<IllegalArgumentException> { Fixtures.open("com.acme.heavy.Probe") { keepAlive(Duration.ofSeconds(1)) } }.message shouldContain "shareKey"
    }

    test("an idle shared child stays warm for its keep-alive and is reused, then stops") {
        val first = Fixtures.open("com.acme.heavy.Probe") {
            shareKey("share-3")
            keepAlive(Duration.ofSeconds(2))
        }
        val pid = first.call("pid") as Long
        first.close()
        val second = Fixtures.open("com.acme.heavy.Probe") { shareKey("share-3") }
        second.call("pid") shouldBe pid
        second.close()
        Fixtures.isAlive(pid) shouldBe true
        eventually(15.seconds) { Fixtures.isAlive(pid) shouldBe false }
    }

    test("without a keep-alive the shared child stops with its last handle") {
        val first = Fixtures.open("com.acme.heavy.Probe") { shareKey("share-4") }
        val pid = first.call("pid") as Long
        first.close()
        eventually(10.seconds) { Fixtures.isAlive(pid) shouldBe false }
        Fixtures.open("com.acme.heavy.Probe") { shareKey("share-4") }.use { it.call("pid") shouldNotBe pid }
    }

    test("prewarmSession starts the child once; extradite then finds it running; closeSession stops it") {
        prewarmSession("share-5") { classpath(Fixtures.targetJar, Fixtures.sharedJar) } shouldBe true
        prewarmSession("share-5") { classpath(Fixtures.targetJar, Fixtures.sharedJar) } shouldBe false
        val probes = Fixtures.open("com.acme.heavy.Probe") { shareKey("share-5") }
        val pid = probes.call("pid") as Long
        probes.close()
        Fixtures.isAlive(pid) shouldBe true
        closeSession("share-5") shouldBe true
        closeSession("share-5") shouldBe false
        eventually(10.seconds) { Fixtures.isAlive(pid) shouldBe false }
    }

    test("a builder prewarms the shared child of its key (Java's form), which open() then finds running") {
        val builder = target("com.acme.heavy.Probe").classpath(Fixtures.targetJar, Fixtures.sharedJar).shareKey("share-9")
        builder.prewarm() shouldBe true
        builder.prewarm() shouldBe false
        val conflicting = target("com.acme.heavy.Probe").classpath(Fixtures.targetJar, Fixtures.sharedJar).shareKey("share-9").jvmArgs("-Xmx64m")
        shouldThrow<IllegalArgumentException> { conflicting.prewarm() }.message shouldContain "jvmArgs"
        val pid = builder.open().use { it.call("pid") as Long }
        Fixtures.isAlive(pid) shouldBe true
        closeSession("share-9") shouldBe true
        eventually(10.seconds) { Fixtures.isAlive(pid) shouldBe false }
        shouldThrow<IllegalStateException> { target("com.acme.heavy.Probe").prewarm() }.message shouldContain "shareKey"
    }

    test("closeSession stops a child that still has handles; their calls then fail clearly") {
        val probes = Fixtures.open("com.acme.heavy.Probe") { shareKey("share-6") }
        closeSession("share-6") shouldBe true
        shouldThrow<ExtraditeProtocolError> { probes.call("pid") }.message shouldContain "closed"
        probes.close()
    }

    test("a shared child that died is replaced by the next extradite with its key") {
        val probes = Fixtures.open("com.acme.heavy.Probe") { shareKey("share-7") }
        val pid = probes.call("pid") as Long
        ProcessHandle.of(pid).ifPresent { it.destroyForcibly() }
        eventually(10.seconds) { Fixtures.isAlive(pid) shouldBe false }
        Fixtures.open("com.acme.heavy.Probe") { shareKey("share-7") }.use { fresh ->
            fresh.call("pid") shouldNotBe pid
        }
        probes.close()
    }
})
