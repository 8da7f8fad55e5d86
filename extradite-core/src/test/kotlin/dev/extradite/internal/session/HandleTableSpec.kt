@file:OptIn(InternalExtraditeApi::class)

package dev.extradite.internal.session

import dev.extradite.ExtraditeProtocolError
import dev.extradite.InternalExtraditeApi
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe

/** The export table frees an object once every send of it is released, whatever counts a peer sends. */
class HandleTableSpec : FunSpec({
    test("an object sent twice is freed by releases that add up to two sends") {
        val table = HandleTable()
        val value = Any()
        val id = table.export(value)
        table.export(value) shouldBe id
        table.release(id, 1)
        table.get(id) shouldBe value
        table.release(id, 1)
        table.size shouldBe 0
        shouldThrow<ExtraditeProtocolError> { table.get(id) }
    }

    test("a release of zero or fewer sends changes nothing, so a peer cannot pin an object with a negative count") {
        val table = HandleTable()
        val value = Any()
        val id = table.export(value)
        table.release(id, -5)
        table.release(id, 0)
        table.get(id) shouldBe value
        table.release(id, 1)
        table.size shouldBe 0
    }
})
