package ai.legion.data.sim;

/** Background kinds, with the caption words for the place and the light source. */
enum SceneKind {
    STREET("on a street", "A street scene", "sun", false),
    ROOM("in a room", "An indoor scene", "lamp", true),
    FIELD("in a field", "A countryside scene", "sun", false),
    BEACH("on a beach", "A beach scene", "sun", false);

    final String location;
    final String sceneNoun;
    final String light;
    /** Glossy floor: objects are mirrored on it. */
    final boolean glossy;

    SceneKind(String location, String sceneNoun, String light, boolean glossy) {
        this.location = location;
        this.sceneNoun = sceneNoun;
        this.light = light;
        this.glossy = glossy;
    }
}
