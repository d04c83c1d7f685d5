//! `#[main]` and `#[test]` for `taskcell-executor`, with tokio's arguments:
//! an `async fn` becomes a plain one that builds a runtime and runs the
//! body on it with `block_on`. Use them through `taskcell_executor`
//! (`#[taskcell_executor::main]`, `#[taskcell_executor::test]`), which
//! re-exports them under its default `macros` feature.
//!
//! Arguments, as tokio's:
//!
//! - `flavor = "multi_thread"` (the default of `main`),
//!   `flavor = "current_thread"` (the default of `test`) or
//!   `flavor = "local"`: a `runtime::LocalRuntime`, where
//!   `task::spawn_local` works with no `LocalSet`;
//! - `worker_threads = N` (multi-thread only; default: one per core);
//! - `start_paused = true` (current-thread and local only): the runtime's clock starts
//!   paused, as with `time::pause()`; needs `taskcell-executor`'s
//!   `test-util` feature, as tokio's needs its own;
//! - `name = "..."`: the runtime's name (`Builder::name`, which
//!   `Handle::name` gives back);
//! - `crate = "path"`: where `taskcell_executor` is. Rarely needed: a
//!   dependency renamed in `Cargo.toml` (`tokio = { package =
//!   "taskcell-executor", .. }`, so that a tokio program's
//!   `#[tokio::main]` ports unchanged) is found there, and the code
//!   written names it so (`::tokio::..`). `crate` is for a re-export
//!   (`use taskcell_executor as rt;` in a crate that names it otherwise).
//!
//! Errors point at the tokens they are about.

mod manifest;

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{parse_quote, Attribute, ItemFn, LitBool, LitInt, LitStr, Path, ReturnType, Type};

/// Marks the `async fn main` of a program that runs on a `taskcell-executor`
/// runtime: a multi-thread runtime with I/O and timers enabled, unless the
/// arguments say otherwise (see the crate docs).
///
/// ```
/// #[taskcell_executor::main]
/// async fn main() {
///     let task = taskcell_executor::spawn(async { 1 + 1 });
///     assert_eq!(task.await.unwrap(), 2);
/// }
/// ```
///
/// With `flavor = "local"`, the body runs on a `LocalRuntime`, where
/// futures that are not `Send` can be spawned:
///
/// ```
/// #[taskcell_executor::main(flavor = "local")]
/// async fn main() {
///     let name = std::rc::Rc::new("not Send");
///     let task = taskcell_executor::task::spawn_local(async move { name.len() });
///     assert_eq!(task.await.unwrap(), 8);
/// }
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args, item, Kind::Main)
}

/// Marks an `async fn` test that runs on a `taskcell-executor` runtime: a
/// current-thread runtime with I/O and timers enabled, unless the arguments
/// say otherwise (see the crate docs). One runtime per test.
///
/// ```
/// #[taskcell_executor::test(flavor = "multi_thread", worker_threads = 2)]
/// async fn two_workers() {
///     let metrics = taskcell_executor::Handle::current().metrics();
///     assert_eq!(metrics.num_workers(), 2);
/// }
/// ```
///
/// `flavor = "local"` runs the test on a `LocalRuntime`, as `main`'s.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args, item, Kind::Test)
}

/// The expansion, or the error and a stand-in for the function (its
/// signature, without `async`, and a body that never runs), so that the
/// error is the only one: code that calls the function still compiles.
fn expand(args: TokenStream, item: TokenStream, kind: Kind) -> TokenStream {
    let function: ItemFn = match syn::parse(item) {
        Ok(function) => function,
        Err(err) => return err.to_compile_error().into(),
    };
    match rewrite(args, function.clone(), kind) {
        Ok(expanded) => expanded,
        Err(err) => {
            let mut stand_in = function;
            stand_in.sig.asyncness = None;
            if kind == Kind::Main && stand_in.sig.ident == "main" {
                stand_in.sig.inputs.clear();
            }
            *stand_in.block = parse_quote!({ ::core::unreachable!() });
            let error = err.to_compile_error();
            quote!(#error #stand_in).into()
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Main,
    Test,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Main => "main",
            Kind::Test => "test",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavor {
    CurrentThread,
    MultiThread,
    /// A current-thread runtime built with `build_local`.
    Local,
}

/// The parsed arguments.
struct Config {
    flavor: Option<(Flavor, Span)>,
    worker_threads: Option<LitInt>,
    start_paused: Option<LitBool>,
    name: Option<LitStr>,
    krate: Option<Path>,
}

impl Config {
    fn parse(args: TokenStream, kind: Kind) -> syn::Result<Config> {
        let mut config = Config {
            flavor: None,
            worker_threads: None,
            start_paused: None,
            name: None,
            krate: None,
        };
        let parser = syn::meta::parser(|meta| {
            if meta.path.is_ident("flavor") {
                let value: LitStr = meta.value()?.parse()?;
                let flavor = match value.value().as_str() {
                    "current_thread" => Flavor::CurrentThread,
                    "multi_thread" => Flavor::MultiThread,
                    "local" => Flavor::Local,
                    other => {
                        return Err(syn::Error::new(
                            value.span(),
                            format!(
                                "no runtime flavor `{other}`: the flavors are \
                                 \"current_thread\", \"local\" and \"multi_thread\""
                            ),
                        ))
                    }
                };
                set(&mut config.flavor, (flavor, value.span()), &meta.path)
            } else if meta.path.is_ident("worker_threads") {
                let value: LitInt = meta.value()?.parse()?;
                if value.base10_parse::<usize>()? == 0 {
                    return Err(syn::Error::new(
                        value.span(),
                        "`worker_threads` must be at least 1",
                    ));
                }
                set(&mut config.worker_threads, value, &meta.path)
            } else if meta.path.is_ident("start_paused") {
                let value: LitBool = meta.value()?.parse()?;
                set(&mut config.start_paused, value, &meta.path)
            } else if meta.path.is_ident("name") {
                let value: LitStr = meta.value()?.parse()?;
                if value.value().trim().is_empty() {
                    return Err(syn::Error::new(
                        value.span(),
                        "`name` must have a visible character; leave it out for an unnamed \
                         runtime",
                    ));
                }
                set(&mut config.name, value, &meta.path)
            } else if meta.path.is_ident("crate") {
                let value: LitStr = meta.value()?.parse()?;
                set(&mut config.krate, value.parse::<Path>()?, &meta.path)
            } else {
                let name = meta.path.to_token_stream().to_string().replace(' ', "");
                Err(meta.error(format!(
                    "unknown argument `{name}` to `#[{}]`; the arguments are `flavor`, \
                     `worker_threads`, `start_paused`, `name` and `crate`",
                    kind.name()
                )))
            }
        });
        syn::parse::Parser::parse(parser, args)?;
        if let (Some(threads), Some((flavor @ (Flavor::CurrentThread | Flavor::Local), _))) =
            (&config.worker_threads, config.flavor)
        {
            let runtime = match flavor {
                Flavor::Local => "a local",
                _ => "a current-thread",
            };
            return Err(syn::Error::new(
                threads.span(),
                format!(
                    "`worker_threads` is for the multi-thread flavor: {runtime} runtime runs \
                     everything on the thread that calls it"
                ),
            ));
        }
        let multi_thread = match config.flavor {
            Some((flavor, _)) => flavor == Flavor::MultiThread,
            None => kind == Kind::Main,
        };
        if let Some(paused) = config
            .start_paused
            .as_ref()
            .filter(|p| p.value && multi_thread)
        {
            return Err(syn::Error::new(
                paused.span(),
                "`start_paused` is for the current-thread and local flavors: paused time needs \
                 one thread to drive it (add `flavor = \"current_thread\"`)",
            ));
        }
        Ok(config)
    }
}

/// Sets an argument once; a second one is an error at its name.
fn set<T>(slot: &mut Option<T>, value: T, name: &Path) -> syn::Result<()> {
    if slot.is_some() {
        return Err(syn::Error::new(
            name.span(),
            format!("`{}` is given twice", name.to_token_stream()),
        ));
    }
    *slot = Some(value);
    Ok(())
}

fn rewrite(args: TokenStream, mut function: ItemFn, kind: Kind) -> syn::Result<TokenStream> {
    let config = Config::parse(args, kind)?;
    if function.sig.asyncness.take().is_none() {
        return Err(syn::Error::new(
            function.sig.fn_token.span(),
            format!(
                "`#[{}]` goes on an `async fn`: the `async` keyword is missing",
                kind.name()
            ),
        ));
    }
    if kind == Kind::Main && function.sig.ident == "main" && !function.sig.inputs.is_empty() {
        return Err(syn::Error::new(
            function.sig.inputs.span(),
            "`main` takes no arguments",
        ));
    }
    if kind == Kind::Test {
        if let Some(twice) = function.attrs.iter().find(|attr| is_test_attr(attr)) {
            return Err(syn::Error::new(
                twice.span(),
                "a second test attribute: `#[taskcell_executor::test]` already makes this a test",
            ));
        }
    }
    let krate = config.krate.clone().unwrap_or_else(|| {
        manifest::renamed_runtime()
            .and_then(|name| syn::parse_str::<Path>(&format!("::{name}")).ok())
            .unwrap_or_else(|| parse_quote!(::taskcell_executor))
    });
    let flavor = config.flavor.map_or(
        match kind {
            Kind::Main => Flavor::MultiThread,
            Kind::Test => Flavor::CurrentThread,
        },
        |(flavor, _)| flavor,
    );
    let span = function.sig.fn_token.span();
    let builder = match flavor {
        Flavor::CurrentThread | Flavor::Local => {
            quote_spanned!(span=> #krate::Builder::new_current_thread())
        }
        Flavor::MultiThread => quote_spanned!(span=> #krate::Builder::new_multi_thread()),
    };
    // As tokio's: a local runtime is a current-thread builder's
    // `build_local`.
    let build = match flavor {
        Flavor::Local => quote_spanned!(span=>
            build_local(#krate::runtime::LocalOptions::default())
        ),
        Flavor::CurrentThread | Flavor::MultiThread => quote_spanned!(span=> build()),
    };
    let worker_threads = config
        .worker_threads
        .as_ref()
        .map(|threads| quote_spanned!(threads.span()=> .worker_threads(#threads)));
    let start_paused = config
        .start_paused
        .as_ref()
        .map(|paused| quote_spanned!(paused.span()=> .start_paused(#paused)));
    let name = config
        .name
        .as_ref()
        .map(|name| quote_spanned!(name.span()=> .name(#name)));
    let output: TokenStream2 = match &function.sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => ty.to_token_stream(),
    };
    let body = &function.block;
    // As tokio's: the body pinned and seen as a `dyn Future` of the
    // function's output, so that `?` in it knows the error type. Not where
    // that type cannot be written there: `!` (unstable in that place) and
    // `impl Trait`; the output is then inferred from the function's.
    let typed = match &function.sig.output {
        ReturnType::Type(_, ty) if matches!(**ty, Type::Never(_)) || has_impl_trait(ty) => None,
        _ => Some(
            quote!(let body: ::core::pin::Pin<&mut dyn ::core::future::Future<Output = #output>> = body;),
        ),
    };
    let block: syn::Block = parse_quote!({
        let body = async #body;
        let body = ::core::pin::pin!(body);
        #typed
        #[allow(clippy::expect_used)]
        let runtime = #builder
            #worker_threads
            #start_paused
            #name
            .enable_all()
            .#build
            .expect("building the taskcell runtime");
        runtime.block_on(body)
    });
    *function.block = block;
    if kind == Kind::Test {
        function
            .attrs
            .push(parse_quote!(#[::core::prelude::v1::test]));
    }
    Ok(function.into_token_stream().into())
}

/// Whether `ty` names an `impl Trait` anywhere inside it.
fn has_impl_trait(ty: &Type) -> bool {
    let in_args = |args: &syn::PathArguments| match args {
        syn::PathArguments::None => false,
        syn::PathArguments::AngleBracketed(args) => args.args.iter().any(|arg| match arg {
            syn::GenericArgument::Type(ty) => has_impl_trait(ty),
            syn::GenericArgument::AssocType(assoc) => has_impl_trait(&assoc.ty),
            _ => false,
        }),
        syn::PathArguments::Parenthesized(args) => {
            args.inputs.iter().any(has_impl_trait)
                || matches!(&args.output, ReturnType::Type(_, ty) if has_impl_trait(ty))
        }
    };
    match ty {
        Type::ImplTrait(_) => true,
        Type::Array(ty) => has_impl_trait(&ty.elem),
        Type::Group(ty) => has_impl_trait(&ty.elem),
        Type::Paren(ty) => has_impl_trait(&ty.elem),
        Type::Ptr(ty) => has_impl_trait(&ty.elem),
        Type::Reference(ty) => has_impl_trait(&ty.elem),
        Type::Slice(ty) => has_impl_trait(&ty.elem),
        Type::Tuple(ty) => ty.elems.iter().any(has_impl_trait),
        Type::Path(ty) => ty.path.segments.iter().any(|seg| in_args(&seg.arguments)),
        _ => false,
    }
}

/// Whether `attr` is a test attribute (`#[test]`, `#[tokio::test]`, …).
fn is_test_attr(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "test")
}
