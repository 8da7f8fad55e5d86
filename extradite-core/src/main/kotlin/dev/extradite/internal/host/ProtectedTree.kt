package dev.extradite.internal.host

import dev.extradite.ExtraditeModuleLeakError

/**
 * The packages that must never be defined in the host JVM: the target's package and its
 * sub-packages, plus those named by `protect(...)`. A class in the unnamed package protects
 * only the unnamed package.
 */
internal class ProtectedTree(val roots: List<String>) {
    /** True when the class or package [name] lies in the tree (array descriptors are unwrapped). */
    fun containsType(name: String): Boolean = containsPackage(packageOf(elementTypeOf(name)))

    fun containsPackage(pkg: String): Boolean = roots.any { root ->
        if (root.isEmpty()) pkg.isEmpty() else pkg == root || pkg.startsWith("$root.")
    }

    /**
     * Fails with [ExtraditeModuleLeakError] when a host class loader (the system, platform and
     * context loaders, extradite's own, and their parents) has already defined a package of the
     * tree. Walks the loaders at `extradite(...)`; after that, [checkStillNotDefinedInHost] on
     * each call, and type decoding checks every value's type.
     */
    fun checkNotDefinedInHost() {
        val leaked = findDefinedInHost(includeJdkLoaders = true) ?: return
        throw ExtraditeModuleLeakError(
            "package ${leaked.first} of the protected tree $this is already defined in the host JVM " +
                "by ${leaked.second}; a class of it was loaded in this JVM. Remove that library from the host classpath " +
                "(it belongs only in classpath(...)), or protect a different package tree.",
        )
    }

    /**
     * [checkNotDefinedInHost] for a session that is running, whose session [name] the error
     * names. The bootstrap and platform loaders' packages are left out: they are the JDK's (an
     * application's classes load there only through `-Xbootclasspath/a` or an upgraded module,
     * which `extradite(...)` still checks), and listing them cost most of the walk, more than a
     * millisecond in a young JVM. Callers skip it while the JVM loads no classes.
     */
    fun checkStillNotDefinedInHost(name: String) {
        val leaked = findDefinedInHost(includeJdkLoaders = false) ?: return
        throw ExtraditeModuleLeakError(
            "package ${leaked.first} of the protected tree $this has been defined in the host JVM by ${leaked.second} " +
                "since session $name started: a class of it was loaded in this JVM, so the isolation is broken and the call was not sent. " +
                "Find what loaded it (-Xlog:class+load shows it) and keep that library off the host classpath (it belongs only in " +
                "classpath(...)); until then every call of this session fails like this one.",
        )
    }

    /** The first package of the tree that a host class loader has defined, with the loader's description; null when none. */
    private fun findDefinedInHost(includeJdkLoaders: Boolean): Pair<String, String>? {
        val loaders = LinkedHashSet<ClassLoader>()
        fun addWithParents(loader: ClassLoader?) {
            var current = loader
            while (current != null && loaders.add(current)) current = current.parent
        }
        addWithParents(ClassLoader.getSystemClassLoader())
        addWithParents(ClassLoader.getPlatformClassLoader())
        addWithParents(Thread.currentThread().contextClassLoader)
        addWithParents(ProtectedTree::class.java.classLoader)
        val platform = ClassLoader.getPlatformClassLoader()
        for (loader in loaders) {
            if (!includeJdkLoaders && loader === platform) continue
            loader.definedPackages.firstOrNull { containsPackage(it.name) }?.let { return it.name to describe(loader) }
        }
        if (!includeJdkLoaders) return null
        // Package.getPackages() also sees the bootstrap loader's packages.
        return Package.getPackages().firstOrNull { containsPackage(it.name) }?.let { it.name to "the bootstrap or an ancestor class loader" }
    }

    override fun toString(): String = roots.joinToString { it.ifEmpty { "<unnamed package>" } }

    companion object {
        fun packageOf(className: String): String = className.substringBeforeLast('.', "")

        /** `[[Lcom.acme.X;` and `com.acme.X[]` name the element type `com.acme.X`. */
        fun elementTypeOf(name: String): String = when {
            name.startsWith("[") -> name.trimStart('[').removePrefix("L").removeSuffix(";")
            name.endsWith("[]") -> name.substringBefore("[]")
            else -> name
        }

        private fun describe(loader: ClassLoader): String = "class loader '${loader.name ?: loader.javaClass.name}'"
    }
}
