package ai.legion.demo;

/** One of the JVMs of {@link DemoModelTest}: unpacks the demo model (cache folder from -Dlegion.cache). */
final class DemoModelRace {

    private DemoModelRace() {}

    public static void main(String[] args) {
        System.out.println(DemoModel.path());
    }
}
