<?php
// Login requests read as PHP 8 reads them, one JSON line in and one out per request:
// {"contentType": string|null, "body": base64, "query": "a=b…", "field": "username"}.
// parse_str() is $_GET's parser (php_default_treat_data: the same name mangling and max_input_vars).
// $_POST's reader of urlencoded bodies is close to it but not the same (it reads on past a raw NUL
// and counts empty fields), and multipart needs the SAPI: the tests send those through router.php.
require __DIR__ . '/read-login.php';

while (($line = fgets(STDIN)) !== false) {
    $case = json_decode($line, true);
    $body = base64_decode($case['body']);
    $post = [];
    $get = [];
    $json = false;
    $error = capture_warnings(function () use ($case, $body, &$post, &$get, &$json) {
        parse_str($case['query'], $get);
        // The SAPI lower-cases the content type and cuts it at the first ';', ',' or ' '.
        $type = strtolower(preg_split('/[;, ]/', (string) $case['contentType'])[0]);
        if ($type === 'application/x-www-form-urlencoded') {
            parse_str($body, $post);
        } elseif ($type === 'application/json') {
            $json = true;
            // A panel that takes JSON decodes php://input itself; duplicate keys: the last one wins.
            $members = json_decode($body, true);
            $post = is_array($members) && !array_is_list($members) ? $members : [];
        }
    });
    echo json_encode(login_answer($post, $get, [], $case['field'], $error, $json)), "\n";
}
