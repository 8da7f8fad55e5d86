package com.acme.heavy;

/** A target whose equals assumes its argument is another Sloppy, as careless code does. */
public class Sloppy {
    private final int id = 7;

    @Override
    public boolean equals(Object o) { return ((Sloppy) o).id == id; }

    @Override
    public int hashCode() { return id; }

    public Sloppy self() { return this; }

    public java.util.List<Sloppy> inList() { return java.util.List.of(this); }
}
