using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Ddf.Generators;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Ddf.Compiler.Tests;

/// <summary>
/// The generator's caching contract (NetEscapades' TestHelpers): a rerun on an equal compilation leaves
/// every tracked step Cached or Unchanged and every output Cached, and the spec step holds no Roslyn
/// objects (which would keep compilations alive and defeat the cache).
/// </summary>
internal static class CacheAssert
{
    public static IReadOnlyList<string> StepNames { get; } = typeof(TrackingNames)
        .GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!).ToArray();

    public static void RerunIsCached(Compilation compilation, GeneratorDriver driver, GeneratorDriverRunResult first)
    {
        var second = driver.RunGenerators(compilation.Clone()).GetRunResult().Results.Single();
        foreach (var step in StepNames)
        {
            if (!second.TrackedSteps.TryGetValue(step, out var runs))
                continue;
            foreach (var output in runs.SelectMany(r => r.Outputs))
                Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"step {step} reran: {output.Reason}");
        }
        foreach (var output in second.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(r => r.Outputs))
            Assert.Equal(IncrementalStepRunReason.Cached, output.Reason);

        foreach (var run in first.Results.Single().TrackedSteps.GetValueOrDefault(TrackingNames.Spec, []))
        {
            foreach (var (value, _) in run.Outputs)
                AssertNoRoslynObjects(value, new HashSet<object>(ReferenceEqualityComparer.Instance), "spec");
        }
    }

    private static void AssertNoRoslynObjects(object? node, HashSet<object> seen, string path)
    {
        if (node is null || node is string || node.GetType().IsPrimitive || node.GetType().IsEnum || !seen.Add(node))
            return;
        Assert.False(node is Compilation or ISymbol or SyntaxNode or SyntaxTree or SemanticModel or Location,
            $"{path} holds a {node.GetType().Name}");
        if (node is IEnumerable items)
        {
            int i = 0;
            foreach (var item in items)
                AssertNoRoslynObjects(item, seen, $"{path}[{i++}]");
        }
        foreach (var field in node.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            AssertNoRoslynObjects(field.GetValue(node), seen, $"{path}.{field.Name}");
    }
}
