/*
 * xml.h: the little XML that S3 answers with.  Elements are found by
 * name and have no attributes; their text has its entities decoded.  Not
 * a general XML parser: no namespaces, CDATA or comments.
 */
#ifndef MP_XML_H
#define MP_XML_H

#include <stddef.h>

struct mp_buf;

/*
 * Finds the next element <tag>...</tag> in [*p, end): its content is
 * [*in, *inend), and *p moves past it.  Returns 1, or 0 when there is
 * none.  A name must not be a prefix of another (<Key> is not
 * <KeyCount>).
 */
int	 mp_xml_elem(const char **p, const char *end, const char *tag,
	    const char **in, const char **inend);
/*
 * The decoded text of the first <tag> in [p, end) into out (reset and
 * NUL-terminated).  Returns 1, or 0 when there is none.
 */
int	 mp_xml_get(const char *p, const char *end, const char *tag,
	    struct mp_buf *out);
/*
 * Appends the text [s, end) with its entities decoded: the five named
 * ones and character references; what is not an entity stays as it is.
 */
void	 mp_xml_text(const char *s, const char *end, struct mp_buf *out);
/*
 * Whether the document p[0..n) is the element <tag> (after an optional
 * <?xml ...?> declaration and white space).
 */
int	 mp_xml_root_is(const char *p, size_t n, const char *tag);

#endif
