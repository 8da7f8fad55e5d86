package com.acme.heavy;

import java.util.List;
import java.util.function.IntUnaryOperator;
import java.util.function.LongUnaryOperator;

/** An inner class whose constructor takes lists of two different functional interfaces (after the outer instance). */
public class Pairs {
    public class Both {
        private final List<IntUnaryOperator> ints;
        private final List<LongUnaryOperator> longs;

        public Both(List<IntUnaryOperator> ints, List<LongUnaryOperator> longs) {
            this.ints = ints;
            this.longs = longs;
        }

        /** Every function applied to x, summed. */
        public long apply(int x) {
            long sum = 0;
            for (IntUnaryOperator f : ints) sum += f.applyAsInt(x);
            for (LongUnaryOperator f : longs) sum += f.applyAsLong(x);
            return sum;
        }
    }
}
