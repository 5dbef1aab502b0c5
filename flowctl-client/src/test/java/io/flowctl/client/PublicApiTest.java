package io.flowctl.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** What users can name: public types outside {@code internal} packages, and only such types. */
class PublicApiTest {

  @Test
  void publicSignatures_nameNoInternalType_andPublicTypesAreAtMostHalf() throws Exception {
    List<Class<?>> all = sdkClasses();
    List<Class<?>> api = all.stream().filter(PublicApiTest::isApi).toList();
    List<String> leaks = new ArrayList<>();
    for (Class<?> c : api) {
      for (Method m : c.getDeclaredMethods()) {
        if (visible(m.getModifiers()) && !m.isSynthetic()) {
          check(leaks, c, m.getName(), m.toGenericString());
        }
      }
      for (Constructor<?> k : c.getDeclaredConstructors()) {
        if (visible(k.getModifiers())) {
          check(leaks, c, "<init>", k.toGenericString());
        }
      }
    }

    assertThat(leaks).as("public signatures naming internal types").isEmpty();
    long topLevel = all.stream().filter(c -> c.getEnclosingClass() == null).count();
    long topLevelApi = api.stream().filter(c -> c.getEnclosingClass() == null).count();
    assertThat(topLevelApi).as("public types of %d", topLevel).isLessThanOrEqualTo(topLevel / 2);
  }

  private static void check(List<String> leaks, Class<?> c, String member, String signature) {
    // The part after the member's name: parameters, return type before it, thrown types.
    String withoutOwner = signature.replace(c.getName() + ".", "");
    if (withoutOwner.contains(".internal.")) {
      leaks.add(c.getName() + "#" + member + ": " + signature);
    }
  }

  private static boolean visible(int modifiers) {
    return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
  }

  private static boolean isApi(Class<?> c) {
    if (c.getPackageName().contains(".internal") || c.isAnonymousClass() || c.isSynthetic()) {
      return false;
    }
    for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
      if (!Modifier.isPublic(k.getModifiers())) {
        return false;
      }
    }
    return true;
  }

  private static List<Class<?>> sdkClasses() throws IOException, URISyntaxException {
    Path root = Path.of(Flowctl.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<Class<?>> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root.resolve("io/flowctl/client"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
        String name = root.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
        if (name.endsWith("package-info")) {
          continue;
        }
        try {
          out.add(Class.forName(name, false, PublicApiTest.class.getClassLoader()));
        } catch (ClassNotFoundException | LinkageError e) {
          throw new AssertionError("cannot load " + name, e);
        }
      }
    }
    assertThat(out).isNotEmpty();
    return out;
  }
}
