package dev.extradite.internal.host

import java.io.ByteArrayInputStream
import java.io.DataInputStream
import java.io.IOException

/**
 * The class names a class file refers to, read from its constant pool without loading the class
 * or anything it names: its fields' and methods' descriptors, generic signatures and the classes
 * its code uses. A value type the child sends is looked at this way before the host builds a
 * value of it, because building one resolves such names: a record's components are loaded by
 * its canonical constructor's lookup, a `@Serializable` class's properties by its serializer.
 */
internal object ClassFileReferences {
    /**
     * The first internal name (`com/acme/X`) in the class file [bytes] whose package lies in
     * [tree]; null when none does, or when [bytes] is not a class file this reader understands
     * (the value is then built as before, and the per-call check still catches a leak).
     */
    fun firstProtected(bytes: ByteArray, tree: ProtectedTree): String? {
        val roots = tree.roots.filter { it.isNotEmpty() }.map { it.replace('.', '/') + "/" }
        if (roots.isEmpty()) return null
        for (text in utf8Constants(bytes) ?: return null) {
            if ('/' !in text) continue
            for (root in roots) {
                // An internal name (a CONSTANT_Class), or one inside a descriptor or signature: `Lcom/acme/X;`.
                if (text.startsWith(root)) return text
                val at = text.indexOf("L$root")
                if (at >= 0) return text.substring(at + 1).substringBefore(';').substringBefore('<')
            }
        }
        return null
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
