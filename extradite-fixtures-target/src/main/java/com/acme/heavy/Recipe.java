package com.acme.heavy;

/** A Java target compiled with {@code javac -parameters}: its parameter names can be used by named arguments. */
public class Recipe {
    private final String dish;
    private final int servings;

    public Recipe(String dish, int servings) {
        this.dish = dish;
        this.servings = servings;
    }

    public String describe(String prefix, boolean loud) {
        String text = prefix + dish + " for " + servings;
        return loud ? text.toUpperCase() : text;
    }
}
