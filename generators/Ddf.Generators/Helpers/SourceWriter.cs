using System;
using System.Diagnostics;
using System.Text;

namespace Ddf.Generators.Helpers;

/// <summary>
/// Builds generated source text with managed indentation: every line of a multi-line string is indented
/// to the current level, and blank lines carry no trailing spaces. Blocks are opened and closed by the writer
/// (<see cref="OpenBlock"/>, <see cref="Indent"/>), and <see cref="Finish"/> checks that all of them were closed.
/// </summary>
internal sealed class SourceWriter
{
    private const int IndentSize = 4;
    private readonly StringBuilder builder = new();
    private int indentation;

    public SourceWriter WriteLine(string text = "")
    {
        foreach (var line in text.Replace("\r\n", "\n").Split('\n'))
        {
            if (line.Length > 0)
                builder.Append(' ', indentation * IndentSize).Append(line);
            builder.Append('\n');
        }
        return this;
    }

    /// <summary>Writes <paramref name="header"/> (if any; it may span lines) and <c>{</c>, indents, and returns a scope that closes the block when disposed.</summary>
    public Scope OpenBlock(string header)
    {
        if (header.Length > 0)
            WriteLine(header);
        WriteLine("{");
        indentation++;
        return new Scope(this, "}");
    }

    /// <summary>Indents one level without braces (the continuation lines of an expression), until the scope is disposed.</summary>
    public Scope Indent()
    {
        indentation++;
        return new Scope(this, null);
    }

    /// <summary>
    /// The text written. Every block must be closed by then; as in dotnet/runtime's SourceWriter this is checked in
    /// Debug builds (the ones the tests run), and a Release generator never throws over it.
    /// </summary>
    public string Finish()
    {
        Debug.Assert(indentation == 0, $"A generated file ended {indentation} block(s) deep.");
        return builder.ToString();
    }

    public readonly struct Scope : IDisposable
    {
        private readonly SourceWriter writer;
        private readonly string? closing;

        public Scope(SourceWriter writer, string? closing)
        {
            this.writer = writer;
            this.closing = closing;
        }

        public void Dispose()
        {
            writer.indentation--;
            if (closing is not null)
                writer.WriteLine(closing);
        }
    }
}
