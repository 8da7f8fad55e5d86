package dev.extradite.examples

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldNotBeEmpty
import io.kotest.matchers.shouldBe
import java.nio.file.Files
import java.nio.file.Path
import kotlin.io.path.readLines
import kotlin.io.path.readText

/**
 * Every Kotlin and Java block of the README is a region of a compiled example source, verbatim.
 * A README block is preceded by `<!-- snippet: NAME -->`; the source marks the region with
 * `// README: NAME` and `// README end`. Keeps the manual compiling.
 */
class ReadmeSnippetsSpec : FunSpec({
    val examples = Path.of(System.getProperty("user.dir"))
    val readme = examples.resolve("../README.md").normalize()
    val regions = sourceRegions(examples.resolve("src/main"))
    val blocks = readmeBlocks(readme.readLines())

    test("the README has snippet blocks and the sources mark regions") {
        blocks.shouldNotBeEmpty()
        regions.keys.shouldNotBeEmpty()
    }

    test("every Kotlin and Java block of the README names a source region") {
        blocks.filter { it.language in setOf("kotlin", "java") && it.snippet == null }.map { "line ${it.line}" }.shouldBeEmpty()
    }

    test("every README snippet is its source region, verbatim") {
        for (block in blocks.filter { it.snippet != null }) {
            val region = regions[block.snippet] ?: error("README line ${block.line}: no source marks the region '${block.snippet}'")
            block.text shouldBe region
        }
    }
})

private class Block(val line: Int, val language: String, val snippet: String?, val text: String)

private val snippetMarker = Regex("""<!--\s*snippet:\s*(\S+)\s*-->""")

private fun readmeBlocks(lines: List<String>): List<Block> {
    val blocks = mutableListOf<Block>()
    var index = 0
    while (index < lines.size) {
        val fence = lines[index]
        if (!fence.startsWith("```")) { index++; continue }
        val end = (index + 1 until lines.size).firstOrNull { lines[it].startsWith("```") }
            ?: error("README line ${index + 1}: unclosed code block")
        val snippet = lines.getOrNull(index - 1)?.let { snippetMarker.matchEntire(it.trim()) }?.groupValues?.get(1)
        blocks += Block(index + 1, fence.removePrefix("```").trim(), snippet, lines.subList(index + 1, end).joinToString("\n"))
        index = end + 1
    }
    return blocks
}

private fun sourceRegions(root: Path): Map<String, String> {
    val regions = mutableMapOf<String, String>()
    val sources = Files.walk(root).use { paths -> paths.filter { it.toString().endsWith(".kt") || it.toString().endsWith(".java") }.toList() }
    for (source in sources) {
        val lines = source.readText().lines()
        lines.forEachIndexed { index, line ->
            val name = line.trim().removePrefix("// README: ").takeIf { it != line.trim() } ?: return@forEachIndexed
            val end = (index + 1 until lines.size).firstOrNull { lines[it].trim() == "// README end" }
                ?: error("$source: region '$name' has no '// README end'")
            check(name !in regions) { "$source: region '$name' is marked twice" }
            regions[name] = lines.subList(index + 1, end).joinToString("\n").trimIndent()
        }
    }
    return regions
}
