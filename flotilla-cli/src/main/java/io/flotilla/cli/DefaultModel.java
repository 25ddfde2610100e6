package io.flotilla.cli;

import java.io.FileNotFoundException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The model that commands use when no {@code --model} is given: Flotilla's own demo model, trained
 * with {@code flotilla train} and committed as {@value #RELATIVE_PATH} (see models/README.md).
 *
 * <p>Where it is looked for, in order: the file named by the system property {@value #PROPERTY}
 * or the environment variable {@value #ENV} (then it must exist); else {@value #RELATIVE_PATH}
 * under the folder holding the running jar or classes (flotilla-cli/target/flotilla.jar → the
 * project root) or one of its parents, then under the working directory or one of its parents.
 */
public final class DefaultModel {

    public static final String RELATIVE_PATH = "models/flotilla-demo-tinystories.gguf";
    public static final String PROPERTY = "flotilla.model";
    public static final String ENV = "FLOTILLA_MODEL";
    private static final int PARENTS = 4;

    private DefaultModel() {}

    /** {@code model} when given, else the default model's path; throws when neither is at hand. */
    public static Path orDefault(Path model) throws FileNotFoundException {
        return model != null ? model : path();
    }

    /** The default model's path; throws, naming every place looked at, when it is not found. */
    public static Path path() throws FileNotFoundException {
        String chosen = chosen();
        if (chosen != null) {
            Path p = Path.of(chosen);
            if (!Files.isRegularFile(p)) {
                throw new FileNotFoundException(p + " (named by " + (System.getProperty(PROPERTY) != null
                        ? "-D" + PROPERTY : ENV) + ") does not exist");
            }
            return p;
        }
        return find().orElseThrow(() -> new FileNotFoundException("no --model given and the demo model "
                + RELATIVE_PATH + " is not under any of " + roots() + ": pass --model FILE or set " + ENV));
    }

    /** The default model's path when it is found. */
    public static Optional<Path> find() {
        String chosen = chosen();
        if (chosen != null) {
            return Optional.of(Path.of(chosen)).filter(Files::isRegularFile);
        }
        for (Path root : roots()) {
            Path p = root.resolve(RELATIVE_PATH);
            if (Files.isRegularFile(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private static String chosen() {
        String p = System.getProperty(PROPERTY);
        if (p == null || p.isBlank()) {
            p = System.getenv(ENV);
        }
        return p == null || p.isBlank() ? null : p;
    }

    /** Folders under which {@value #RELATIVE_PATH} may be: around the code first, then the working directory. */
    static List<Path> roots() {
        Set<Path> roots = new LinkedHashSet<>();
        codeLocation().ifPresent(code -> ancestors(code.getParent(), roots));
        ancestors(Path.of("").toAbsolutePath(), roots);
        return new ArrayList<>(roots);
    }

    private static void ancestors(Path from, Set<Path> into) {
        Path p = from;
        for (int i = 0; i <= PARENTS && p != null; i++, p = p.getParent()) {
            into.add(p);
        }
    }

    /** The jar file or classes folder this class was loaded from. */
    private static Optional<Path> codeLocation() {
        CodeSource source = DefaultModel.class.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Path.of(source.getLocation().toURI()).toAbsolutePath().normalize());
        } catch (URISyntaxException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            return Optional.empty(); // not a file (e.g. a custom class loader): the working directory still counts
        }
    }
}
