using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Ddf.Compiler.Tests;

/// <summary>
/// Thousands of generated and mutated sources through the generator: it never throws (no CS8785),
/// code it emits always compiles, every input that is invalid by construction gets its DDF error,
/// and every valid one compiles cleanly.
/// </summary>
public class FuzzTests
{
    private const int Cases = 2400;

    /// <summary>What a case must produce; syntax damage may or may not leave the class intact, so it only
    /// has to leave the generator safe and its output compilable.</summary>
    private enum Expect { Valid, DdfError, CompilerError, Anything }

    private sealed record Case(string[] Sources, Expect Expect, string? Id);

    private static readonly string[] ValidArguments =
    [
        "KernelSize = 3", "KernelSize = 5", "KernelSize = 7", "KernelSize = 1 + 2", "KernelSize = Sizes.K", "Dilation = 2", "Dilation = Sizes.D",
        "Stride = 2", "Heads = 2", "SqueezeRatio = 0.25", "SqueezeRatio = 1", "SqueezeRatio = 1.0 / 4", "Combine = Ddf.KernelCombine.Add",
        "Combine = (Ddf.KernelCombine)1", "Normalization = Ddf.FilterNormalization.Batch", "Normalization = (Ddf.FilterNormalization)3",
        "Branches = Ddf.FilterBranches.Spatial", "Branches = Ddf.FilterBranches.Channel",
    ];

    private static readonly (string Argument, string Id)[] InvalidArguments =
    [
        ("KernelSize = 4", "DDF0001"), ("KernelSize = 33", "DDF0001"), ("KernelSize = int.MaxValue", "DDF0001"), ("KernelSize = -1", "DDF0001"),
        ("Dilation = 0", "DDF0002"), ("Dilation = int.MinValue", "DDF0002"), ("Stride = 0", "DDF0003"), ("Heads = -4", "DDF0004"),
        ("SqueezeRatio = 0", "DDF0005"), ("SqueezeRatio = double.NaN", "DDF0005"), ("SqueezeRatio = 1e308", "DDF0005"),
        ("Combine = (Ddf.KernelCombine)9", "DDF0012"),
    ];

    private static readonly string[] WrongTypes = ["KernelSize = \"3\"", "KernelSize = 3.5", "Stride = true", "SqueezeRatio = \"x\"", "Combine = 1", "Heads = null"];

    private static IEnumerable<Case> Generate()
    {
        var random = new Random(20261126);
        for (int n = 0; n < Cases; n++)
        {
            string name = $"L{n}";
            string attribute = random.Next(8) == 0 ? "DynamicFilterUp" : "DynamicFilter";
            // DDF-Up has no Stride or Branches.
            bool Applies(string argument) => attribute == "DynamicFilter"
                || !(argument.StartsWith("Stride", StringComparison.Ordinal) || argument.StartsWith("Branches", StringComparison.Ordinal));
            var valid = ValidArguments.Where(Applies).ToArray();
            var invalidArguments = InvalidArguments.Where(a => Applies(a.Argument)).ToArray();
            var arguments = Enumerable.Range(0, random.Next(4)).Select(_ => valid[random.Next(valid.Length)])
                .GroupBy(a => a.Split(' ')[0]).Select(g => g.First()).ToList();
            var expect = Expect.Valid;
            string? id = null;
            switch (random.Next(10))
            {
                case 0 or 1:
                    var invalid = invalidArguments[random.Next(invalidArguments.Length)];
                    arguments.RemoveAll(a => a.Split(' ')[0] == invalid.Argument.Split(' ')[0]);
                    arguments.Add(invalid.Argument);
                    (expect, id) = (Expect.DdfError, invalid.Id);
                    break;
                case 2:
                    arguments.Add(WrongTypes[random.Next(WrongTypes.Length)]);
                    expect = Expect.CompilerError;
                    break;
            }
            if (attribute == "DynamicFilterUp")
            {
                if (random.Next(3) == 0)
                {
                    arguments.Add(random.Next(2) == 0 ? "ScaleFactor = 1" : "ScaleFactor = 9");
                    if (expect == Expect.Valid)
                        (expect, id) = (Expect.DdfError, "DDF0014");
                }
                else if (random.Next(2) == 0)
                {
                    arguments.Add("Guidance = Ddf.UpsampleGuidance.Joint");
                }
            }
            string attributes = $"[Ddf.{attribute}({string.Join(", ", arguments)})]";
            string modifiers = "public partial";
            switch (random.Next(12))
            {
                case 0: modifiers = "public"; if (expect == Expect.Valid) (expect, id) = (Expect.DdfError, "DDF0006"); break;
                case 1: modifiers = "public static partial"; if (expect == Expect.Valid) (expect, id) = (Expect.DdfError, "DDF0010"); break;
                case 2: modifiers = "public abstract partial"; if (expect == Expect.Valid) (expect, id) = (Expect.DdfError, "DDF0010"); break;
                case 3: attributes += "\n" + attributes; if (expect != Expect.DdfError) expect = Expect.CompilerError; break;   // duplicated attribute: CS0579
                case 4 when attribute == "DynamicFilter": attributes += "\n[Ddf.DynamicFilterUp]"; if (expect == Expect.Valid) (expect, id) = (Expect.DdfError, "DDF0011"); break;
            }
            string generic = "", baseList = "";
            switch (random.Next(14))
            {
                case 0: generic = "<T>"; if (expect == Expect.Valid) (expect, id) = (Expect.DdfError, "DDF0008"); break;
                case 1: baseList = " : Base"; if (expect == Expect.Valid) (expect, id) = (Expect.DdfError, "DDF0009"); break;
            }
            string body = $"{attributes}\n{modifiers} class {name}{generic}{baseList} {{ }}";
            switch (random.Next(6))
            {
                case 0: body = $"public partial class Outer{n}\n{{\n{body}\n}}"; break;
                case 1: body = $"public class Outer{n}\n{{\n{body}\n}}"; if (expect == Expect.Valid) (expect, id) = (Expect.DdfError, "DDF0007"); break;
                case 2: body = $"public partial class Outer{n}<TOuter>\n{{\n{body}\n}}"; if (expect == Expect.Valid) (expect, id) = (Expect.DdfError, "DDF0008"); break;
            }
            string prelude = "static class Sizes { public const int K = 5; public const int D = 2; }\npublic class Base { }\n";
            string source = random.Next(3) switch
            {
                0 => $"namespace Fuzz{n};\n{prelude}{body}\n",
                1 => $"namespace Fuzz{n}.Inner\n{{\n{prelude}{body}\n}}\n",
                _ => $"{prelude}{body}\n",
            };
            var sources = new List<string> { source };
            if (random.Next(8) == 0 && generic.Length == 0)
                sources.Add($"{(source.Contains($"namespace Fuzz{n};") ? $"namespace Fuzz{n};\n" : source.Contains($"namespace Fuzz{n}.Inner") ? $"namespace Fuzz{n}.Inner;\n" : "")}public partial class {name} {{ public int Extra => 1; }}\n");
            if (random.Next(5) == 0)
            {
                // Syntax damage: cut, drop or insert a character, often inside the attribute.
                int at = random.Next(source.Length);
                source = random.Next(3) switch
                {
                    0 => source[..at],
                    1 => source.Remove(at, 1),
                    _ => source.Insert(at, "(,=\"}]"[random.Next(6)].ToString()),
                };
                sources[0] = source;
                expect = Expect.Anything;
            }
            yield return new Case(sources.ToArray(), expect, id);
        }
    }

    [Fact]
    public void The_generator_survives_thousands_of_valid_invalid_and_broken_sources()
    {
        var cases = Generate().ToArray();
        Assert.True(cases.Length >= 2000);
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.ForEach(cases, (c, _, index) =>
        {
            try
            {
                Check(c);
            }
            catch (Exception error)
            {
                failures.Add($"case {index} ({c.Expect} {c.Id}): {error.Message}\n{string.Join("\n---\n", c.Sources)}");
            }
        });
        Assert.True(failures.IsEmpty, $"{failures.Count} of {cases.Length} cases failed; first:\n{failures.FirstOrDefault()}");
        // Enough of each kind that the properties are really exercised.
        foreach (var kind in Enum.GetValues<Expect>())
            Assert.True(cases.Count(c => c.Expect == kind) >= 200, $"only {cases.Count(c => c.Expect == kind)} {kind} cases");
    }

    private static void Check(Case c)
    {
        var compilation = GeneratorHarness.Compile(true, c.Sources);
        var (_, result, output) = GeneratorHarness.Run(compilation);
        var run = result.Results.Single();
        if (run.Exception is not null)
            throw new Exception($"the generator threw {run.Exception}");
        var all = output.GetDiagnostics();
        if (all.Any(d => d.Id == "CS8785"))
            throw new Exception("CS8785: the generator failed");
        // Code the generator emits must compile: no error may sit in a generated file.
        foreach (var tree in run.GeneratedSources.Select(s => s.SyntaxTree))
        {
            var errors = output.GetSemanticModel(tree).GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
            if (errors.Length > 0)
                throw new Exception($"generated {tree.FilePath} does not compile: {errors[0]}");
        }
        var ddfErrors = result.Diagnostics.Where(d => d.Id.StartsWith("DDF", StringComparison.Ordinal)).Select(d => d.Id).ToArray();
        switch (c.Expect)
        {
            case Expect.Valid:
                var userErrors = all.Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
                if (userErrors.Length > 0 || ddfErrors.Length > 0 || run.GeneratedSources.Length != 5)
                    throw new Exception($"valid input did not compile cleanly: {string.Join("; ", userErrors.Select(e => e.ToString()).Concat(ddfErrors))}");
                break;
            case Expect.DdfError:
                if (!ddfErrors.Contains(c.Id!))
                    throw new Exception($"expected {c.Id}, got [{string.Join(", ", ddfErrors)}]");
                if (run.GeneratedSources.Length > 0)
                    throw new Exception("code was generated for an invalid class");
                break;
            case Expect.CompilerError:
                if (!all.Any(d => d.Severity == DiagnosticSeverity.Error && d.Id.StartsWith("CS", StringComparison.Ordinal)))
                    throw new Exception("invalid input compiled without a C# error");
                break;
        }
    }
}
