package dev.extradite.internal.wire

/**
 * Strings are `char` sequences on the JVM, and may hold a surrogate that is not half of a pair
 * (`"a\uD800b"`). UTF-8 cannot carry one: the JDK's encoder writes `?` in its place. So a string
 * value that holds one travels as UTF-16 code units in the compact form, and as a `\uXXXX`
 * escape in JSON; both come back as the same `char`s.
 */
internal object LoneSurrogates {
    /** Whether [text] holds a surrogate that is not half of a pair. */
    fun isIn(text: String): Boolean {
        var i = 0
        while (i < text.length) {
            val c = text[i]
            if (c.isSurrogate()) {
                if (c.isHighSurrogate() && i + 1 < text.length && text[i + 1].isLowSurrogate()) {
                    i += 2
                    continue
                }
                return true
            }
            i++
        }
        return false
    }

    /**
     * JSON text [json] with each lone surrogate written as a `\uXXXX` escape, which JSON reads back
     * as the same `char` (it can only stand inside a string literal, where an escape is valid).
     */
    fun escapeIn(json: String): String {
        if (!isIn(json)) return json
        val out = StringBuilder(json.length + 16)
        var i = 0
        while (i < json.length) {
            val c = json[i]
            if (c.isHighSurrogate() && i + 1 < json.length && json[i + 1].isLowSurrogate()) {
                out.append(c).append(json[i + 1])
                i += 2
                continue
            }
            if (c.isSurrogate()) out.append("\\u").append(c.code.toString(16).padStart(4, '0')) else out.append(c)
            i++
        }
        return out.toString()
    }
}
