package dev.extradite.internal.host

import java.io.ByteArrayInputStream
import java.io.DataInputStream
import java.io.IOException
import java.net.URL

/**
 * The class names class files refer to, read from their constant pools without loading them:
 * descriptors, generic signatures, superclasses, interfaces and the classes their code uses. A
 * value type the child sends is looked at this way before the host builds a value of it,
 * because building one loads more than the type itself: a record's canonical constructor lookup
 * loads its component types and their supertypes, a `@Serializable` class's serializer loads its
 * properties' serializers, an enum's initialisation its constant bodies, and so on from there.
 *
 * The search follows references from class file to class file, through the classes [loader]
 * finds; it does not follow into the JDK's own classes or extradite's runtime jars (Kotlin,
 * kotlinx, Ktor, SLF4J), which cannot refer to an application's packages. It is conservative: a
 * type from which any protected class of [tree] can be reached is refused, whether or not
 * building the value would reach it. Classes a finished search found clean are not searched
 * again, so the searches of one tree read each class file once (a search through a framework of
 * a few thousand classes took 90-330 ms here). Whether the loader can find the protected classes
 * at all is not guessed (a jar need not list its directories): the search always runs.
 */
internal class ClassFileReferences(loader: ClassLoader, private val tree: ProtectedTree, private val runtimeJars: Set<String>) {
    /** Weakly: a plugin's class loader, used as a thread's context loader, must stay collectable. */
    private val loader = java.lang.ref.WeakReference(loader)

    /** Per internal name, the internal names its class file refers to; empty when it is not followed. */
    private val references = java.util.concurrent.ConcurrentHashMap<String, List<String>>()

    /** Per value type (a binary name): [firstProtectedReachable] for it, or "" for none. */
    private val verdicts = java.util.concurrent.ConcurrentHashMap<String, String>()

    /**
     * [firstProtectedReachable] for [binaryName], or "" for none; remembered for types whose class
     * file exists only, so that the peer cannot grow this with made-up names.
     */
    fun reachableFrom(binaryName: String): String {
        verdicts[binaryName]?.let { return it }
        val found = firstProtectedReachable(binaryName).orEmpty()
        // The search looked the class file up: it has an entry in [references] when it exists.
        if (references.containsKey(binaryName.replace('.', '/'))) verdicts[binaryName] = found
        return found
    }

    /** Internal names from which no protected class can be reached. */
    private val clean = java.util.concurrent.ConcurrentHashMap.newKeySet<String>()

    /**
     * The first protected class (a dotted name, with the class that refers to it) reachable from
     * the class [binaryName]; null when none is, within [MAX_CLASSES] class files.
     */
    fun firstProtectedReachable(binaryName: String): String? {
        val start = binaryName.replace('.', '/')
        if (start in clean) return null
        val seen = HashSet<String>()
        val queue = ArrayDeque<String>()
        queue.add(start)
        seen.add(start)
        while (queue.isNotEmpty() && seen.size <= MAX_CLASSES) {
            val name = queue.removeFirst()
            for (reference in referencesOf(name)) {
                if (tree.containsType(reference.replace('/', '.'))) {
                    return reference.replace('/', '.') + if (name == start) "" else " (through ${name.replace('/', '.')})"
                }
                if (reference !in clean && seen.add(reference)) queue.add(reference)
            }
        }
        // Every class seen leads only to clean ones: all of them are clean (unless cut short).
        // Names without a class file are not kept (the peer may make them up).
        if (queue.isEmpty()) seen.filterTo(clean) { references.containsKey(it) }
        return null
    }

    /** Remembered for class files that exist only: names the peer made up are not kept. */
    private fun referencesOf(internalName: String): List<String> {
        references[internalName]?.let { return it }
        val resource = loader.get()?.getResource("$internalName.class") ?: return emptyList()
        val found = if (!isFollowed(resource)) {
            emptyList()
        } else {
            try {
                resource.openStream().use { classNames(it.readAllBytes()) }
            } catch (_: IOException) {
                emptyList()
            }
        }
        references[internalName] = found
        return found
    }

    /** Not the JDK's classes (`jrt:`), nor those of extradite's runtime jars. */
    private fun isFollowed(resource: URL): Boolean {
        if (resource.protocol == "jrt") return false
        if (resource.protocol != "jar") return true
        val jar = resource.path.substringBefore("!/").removePrefix("file:")
        return jar.substringAfterLast('/') !in runtimeJars
    }

    companion object {
        /** The most class files one search reads; a search that reaches it finds nothing more. */
        const val MAX_CLASSES = 20_000

        /** Characters an internal class name never holds, but descriptors, signatures and text do. */
        private val NOT_IN_NAMES = setOf('(', ')', ' ', ':', '.')

        /**
         * The internal names (`com/acme/X`) a class file's constant pool mentions, as class
         * entries or inside descriptors and signatures (`Lcom/acme/X;`, array descriptors
         * unwrapped); empty when [bytes] is not a class file this reader understands.
         */
        fun classNames(bytes: ByteArray): List<String> {
            val names = LinkedHashSet<String>()
            for (text in utf8Constants(bytes) ?: return emptyList()) {
                if ('/' !in text) continue
                var at = text.indexOf('L')
                var inDescriptor = false
                while (at >= 0) {
                    val end = text.indexOfAny(charArrayOf(';', '<'), at + 1)
                    if (end < 0) break
                    val candidate = text.substring(at + 1, end)
                    if ('/' in candidate && candidate.none { it in NOT_IN_NAMES }) {
                        names += candidate
                        inDescriptor = true
                        at = text.indexOf('L', end)
                    } else {
                        // Not a name (a type variable called L..., say): look on from the next L.
                        at = text.indexOf('L', at + 1)
                    }
                }
                // A class entry: an internal name as it stands. Not a string constant such as a
                // resource path ("com/acme/schema.json"): internal names hold no dots.
                if (!inDescriptor && text.none { it in NOT_IN_NAMES || it == ';' || it == '<' }) names += text.trimStart('[')
            }
            return names.toList()
        }

        /** The CONSTANT_Utf8 entries of a class file; null when it is not one. */
        private fun utf8Constants(bytes: ByteArray): List<String>? = try {
            val input = DataInputStream(ByteArrayInputStream(bytes))
            if (input.readInt() != MAGIC) {
                null
            } else {
                input.readUnsignedShort() // minor version
                input.readUnsignedShort() // major version
                val count = input.readUnsignedShort()
                val texts = ArrayList<String>()
                var index = 1
                while (index < count) {
                    when (val tag = input.readUnsignedByte()) {
                        1 -> texts += input.readUTF()
                        7, 8, 16, 19, 20 -> input.skipNBytes(2)
                        15 -> input.skipNBytes(3)
                        3, 4, 9, 10, 11, 12, 17, 18 -> input.skipNBytes(4)
                        5, 6 -> {
                            input.skipNBytes(8)
                            index++ // longs and doubles take two entries
                        }
                        else -> throw IOException("constant pool tag $tag")
                    }
                    index++
                }
                texts
            }
        } catch (_: IOException) {
            null
        }

        private const val MAGIC = 0xCAFEBABE.toInt()
    }
}
