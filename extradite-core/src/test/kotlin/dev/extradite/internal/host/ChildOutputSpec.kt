package dev.extradite.internal.host

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import java.io.StringReader

/** The child's output is split into lines the way a terminal would, and no line costs the host unbounded memory. */
class ChildOutputSpec : FunSpec({
    fun linesOf(text: String): List<String> = buildList { ChildOutput.forEachLine(StringReader(text)) { add(it) } }

    test("lines end at \\n, \\r or \\r\\n, and a last line without an end is kept") {
        linesOf("a\nb\r\nc\rd\n\ne") shouldContainExactly listOf("a", "b", "c", "d", "", "e")
        linesOf("") shouldContainExactly emptyList()
    }

    test("a line without end goes on in pieces of at most MAX_LINE_CHARS, nothing lost and no empty line added") {
        val max = ChildOutput.MAX_LINE_CHARS
        val long = (0 until 3 * max + 5).joinToString("") { ('a' + it % 26).toString() }
        val lines = linesOf(long + "\n" + "x".repeat(max) + "\nnext")
        lines.map { it.length } shouldContainExactly listOf(max, max, max, 5, max, 4)
        lines.take(4).joinToString("") shouldBe long
    }

    test("a child writing megabytes without a newline is drained with a bounded tail") {
        val pieces = ArrayList<Int>()
        val output = ChildOutput("y".repeat(4 shl 20).byteInputStream(), { pieces += it.length }, "child-output-spec")
        val tail = output.tail(waitMillis = 10_000)
        pieces.sum() shouldBe (4 shl 20)
        pieces.max() shouldBe ChildOutput.MAX_LINE_CHARS
        tail.length shouldBe ChildOutput.TAIL_CHARS
    }

    test("a surrogate pair at the end of a piece is not split: its first half begins the next piece") {
        val max = ChildOutput.MAX_LINE_CHARS
        val text = "a".repeat(max - 1) + "\uD83D\uDE00" + "b"
        val lines = linesOf(text)
        lines.map { it.length } shouldContainExactly listOf(max - 1, 3)
        lines[1] shouldBe "\uD83D\uDE00b"
    }
})
