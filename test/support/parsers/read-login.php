<?php
// How a PHP panel reads the login field: shared by parse-form.php (urlencoded and JSON, through
// parse_str and json_decode) and router.php (any body, through PHP's own SAPI under `php -S`).

/**
 * The answer sent back to the test: every top-level name PHP registered (after its name mangling),
 * the value at `$field` ($_POST's, else $_GET's, as `$_REQUEST` with request_order "GP"), and how many
 * variables the field reaches when names are compared without case. Strings go back base64-encoded,
 * byte for byte.
 */
function login_answer(
    array $post,
    array $get,
    array $files,
    string $field,
    ?string $error,
    bool $json = false
): array {
    $path = field_path($field);
    // JSON keys are not mangled: 'login[user]' is a key of its own there.
    $postPath = $json ? [$field] : $path;
    $value = walk($post, $postPath) ?? walk($get, $path);
    // $_FILES keeps each file's name under 'name', in the same nesting as the field's name.
    $fileNames = array_map(fn ($file) => $file['name'], $files);
    $keys = array_merge(array_keys($post), array_keys($get), array_keys($files));
    return [
        'keys' => array_map(fn ($key) => base64_encode((string) $key), $keys),
        'value' => match (true) {
            $value === null => null,
            is_string($value) => ['string' => base64_encode($value)],
            default => ['other' => true],
        },
        'matches' => count_matches($post, $postPath) + count_matches($get, $path)
            + count_matches($fileNames, $path),
        'error' => $error,
    ];
}

/** 'login[user]' is $vars['login']['user']: PHP's own parser says which path a name stands for. */
function field_path(string $field): array
{
    parse_str(rawurlencode($field) . '=', $shape);
    $path = [];
    while (is_array($shape) && count($shape) === 1) {
        $key = array_key_first($shape);
        $path[] = (string) $key;
        $shape = $shape[$key];
    }
    return $path;
}

function walk(array $vars, array $path)
{
    foreach ($path as $key) {
        if (!is_array($vars) || !array_key_exists($key, $vars)) {
            return null;
        }
        $vars = $vars[$key];
    }
    return $vars;
}

/** Variables at `$path` when each key is compared case-insensitively, as ASP.NET binds names. */
function count_matches($vars, array $path): int
{
    if ($path === []) {
        return 1;
    }
    if (!is_array($vars)) {
        return 0;
    }
    $count = 0;
    foreach ($vars as $key => $inner) {
        if (strcasecmp((string) $key, $path[0]) === 0) {
            $count += count_matches($inner, array_slice($path, 1));
        }
    }
    return $count;
}

/** PHP warns, and reads on without them, when a request has more than max_input_vars fields. */
function capture_warnings(callable $read): ?string
{
    $warning = null;
    set_error_handler(function (int $level, string $message) use (&$warning) {
        $warning = $message;
        return true;
    });
    $read();
    restore_error_handler();
    return $warning;
}
