using System;
using System.Collections.Generic;
using System.Text;
using System.Text.RegularExpressions;
using Ddf.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace Ddf.Compiler.Tests;

/// <summary>
/// Equality of two layers' generated files up to what must differ between them: the layer's name and the namespace and
/// containing types the user declared it in. A generated file is the header, then the user's namespace and containing
/// types (their opening and closing lines: the surroundings), then the layer's partial declaration with its members.
/// <see cref="Equal"/> compares the contents, the surroundings taken out and the rest unindented to their depth, with the
/// layer's name (where it appears as a whole word) read as <c>{layer}</c>; the surroundings are compared instead with those
/// of a snapshotted file of the same layer, so they stay checked in every file.
/// </summary>
internal static class LayerFileAssert
{
    public const string LayerPlaceholder = "{layer}";

    /// <summary>A generated file split into the lines of its user's surroundings and its contents.</summary>
    /// <param name="Surroundings">The lines that open and close the namespace and containing types, as written.</param>
    /// <param name="Contents">Every other line, unindented by the surroundings' depth, the layer's name as <see cref="LayerPlaceholder"/>.</param>
    public readonly record struct LayerFile(string Surroundings, string Contents);

    /// <summary>
    /// Asserts that <paramref name="actual"/> has the contents of <paramref name="expected"/> (a file of another layer with
    /// the same kernel spec, say) and the surroundings of <paramref name="sibling"/> (a snapshotted file of its own layer).
    /// </summary>
    public static void Equal((string HintName, string Text) expected, (string HintName, string Text) actual, (string HintName, string Text) sibling)
    {
        var want = Split(expected.HintName, expected.Text);
        var got = Split(actual.HintName, actual.Text);
        if (want.Contents != got.Contents)
            Assert.Fail($"{actual.HintName} differs from {expected.HintName} (both with names and surroundings taken out; " +
                $"- lines are {expected.HintName}'s, + lines {actual.HintName}'s):\n" + SnapshotFiles.Diff(want.Contents, got.Contents));
        var own = Split(sibling.HintName, sibling.Text);
        if (own.Surroundings != got.Surroundings)
            Assert.Fail($"{actual.HintName} is not declared where {sibling.HintName} is (- lines are {sibling.HintName}'s, " +
                $"+ lines {actual.HintName}'s):\n" + SnapshotFiles.Diff(own.Surroundings, got.Surroundings));
    }

    /// <summary>
    /// Splits a generated file of the layer its hint name names (<c>{namespace}.{containing types}.{layer}.{kind}.g.cs</c>);
    /// each level down to the layer must hold exactly one declaration, as the generator writes them.
    /// </summary>
    public static LayerFile Split(string hintName, string text)
    {
        string layer = LayerName(hintName);
        var tree = CSharpSyntaxTree.ParseText(SnapshotFiles.Normalise(text));
        var lines = tree.GetText().Lines;
        var surrounding = new bool[lines.Count];
        var depth = new int[lines.Count];
        int Line(int position) => lines.GetLineFromPosition(position).LineNumber;

        var members = ((CompilationUnitSyntax)tree.GetRoot()).Members;
        while (true)
        {
            if (members.Count != 1)
                throw new InvalidOperationException($"{hintName}: expected one declaration on the way to {layer}, found {members.Count}");
            var member = members[0];
            if (member is TypeDeclarationSyntax { Identifier.ValueText: var name } && name == layer)
                break;
            (SyntaxToken open, SyntaxToken close, members) = member switch
            {
                FileScopedNamespaceDeclarationSyntax n => (n.SemicolonToken, default(SyntaxToken), n.Members),
                NamespaceDeclarationSyntax n => (n.OpenBraceToken, n.CloseBraceToken, n.Members),
                TypeDeclarationSyntax t => (t.OpenBraceToken, t.CloseBraceToken, t.Members),
                _ => throw new InvalidOperationException($"{hintName}: unexpected {member.Kind()} around {layer}"),
            };
            for (int i = Line(member.SpanStart); i <= Line(open.SpanStart); i++)
                surrounding[i] = true;
            if (close.RawKind == 0)
                continue;
            surrounding[Line(close.SpanStart)] = true;
            for (int i = Line(open.SpanStart) + 1; i < Line(close.SpanStart); i++)
                depth[i]++;
        }

        var surroundings = new StringBuilder();
        var contents = new StringBuilder();
        for (int i = 0; i < lines.Count; i++)
        {
            string line = lines[i].ToString();
            if (surrounding[i])
            {
                surroundings.Append(line).Append('\n');
                continue;
            }
            int indent = 0;
            while (indent < 4 * depth[i] && indent < line.Length && line[indent] == ' ')
                indent++;
            contents.Append(line, indent, line.Length - indent).Append('\n');
        }
        return new LayerFile(surroundings.ToString(),
            Regex.Replace(contents.ToString(), $@"\b{Regex.Escape(layer)}\b", LayerPlaceholder));
    }

    /// <summary>The kind of a generated file: its hint name after the layer's, for example <c>Kernels.Gpu.g.cs</c>.</summary>
    public static string Kind(string hintName)
    {
        foreach (var kind in Kinds)
            if (hintName.EndsWith("." + kind, StringComparison.Ordinal))
                return kind;
        throw new ArgumentException($"{hintName} is none of the generated kinds ({string.Join(", ", Kinds)})", nameof(hintName));
    }

    private static readonly IReadOnlyList<string> Kinds =
        ["Module.g.cs", "Autograd.g.cs", "Kernels.Cpu.g.cs", "Kernels.Gpu.g.cs", "Onnx.g.cs", "Spec.g.cs"];

    private static string LayerName(string hintName)
    {
        string qualified = hintName[..^(Kind(hintName).Length + 1)];
        return qualified[(qualified.LastIndexOf('.') + 1)..];
    }
}
