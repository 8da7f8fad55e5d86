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
     * tree. Walks the loaders once, at `extradite(...)`; per-call checks happen on type decode.
     */
    fun checkNotDefinedInHost() {
        val loaders = LinkedHashSet<ClassLoader>()
        fun addWithParents(loader: ClassLoader?) {
            var current = loader
            while (current != null && loaders.add(current)) current = current.parent
        }
        addWithParents(ClassLoader.getSystemClassLoader())
        addWithParents(ClassLoader.getPlatformClassLoader())
        addWithParents(Thread.currentThread().contextClassLoader)
        addWithParents(ProtectedTree::class.java.classLoader)
        val offenders = loaders.flatMap { loader -> loader.definedPackages.map { it.name to describe(loader) } } +
            // Package.getPackages() also sees the bootstrap loader's packages.
            Package.getPackages().map { it.name to "the bootstrap or an ancestor class loader" }
        val leaked = offenders.firstOrNull { (pkg, _) -> containsPackage(pkg) } ?: return
        throw ExtraditeModuleLeakError(
            "package ${leaked.first} of the protected tree ${roots.joinToString { it.ifEmpty { "<unnamed package>" } }} is already defined in the host JVM " +
                "by ${leaked.second}; a class of it was loaded in this JVM. Remove that library from the host classpath " +
                "(it belongs only in classpath(...)), or protect a different package tree.",
        )
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
