package dev.extradite

/**
 * Marks declarations that are public only so that extradite's own modules (the child runtime)
 * can share them with the core. They are not part of the API, may change without notice, and
 * using them from application code is a compile error.
 */
@RequiresOptIn(
    message = "This is an internal extradite API shared between its modules; do not use it from application code.",
    level = RequiresOptIn.Level.ERROR,
)
@Retention(AnnotationRetention.BINARY)
@Target(AnnotationTarget.CLASS, AnnotationTarget.FUNCTION, AnnotationTarget.PROPERTY, AnnotationTarget.TYPEALIAS, AnnotationTarget.CONSTRUCTOR)
public annotation class InternalExtraditeApi
