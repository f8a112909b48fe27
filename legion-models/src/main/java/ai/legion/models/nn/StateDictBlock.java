package ai.legion.models.nn;

/** A block whose parameters carry upstream state-dict names. */
public interface StateDictBlock {

    /**
     * Registers this block's parameters, and its children's, under {@code prefix + localName}.
     *
     * @param prefix the key prefix of this block, ending in {@code "."} (or empty at the root)
     */
    void mapWeights(String prefix, WeightMap map);

    /** A fresh map of this block's parameters under a prefix. */
    default WeightMap weightMap(String prefix) {
        WeightMap m = new WeightMap();
        mapWeights(prefix, m);
        return m;
    }
}
