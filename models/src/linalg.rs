//! Small dense linear algebra for the numerical models: the few operations a matrix-analytic
//! solution or a set of traffic equations needs, on row-major `Vec<Vec<f64>>` matrices of a
//! handful of rows (a Markov chain's phases, a network's stations).

/// A dense matrix, row by row.
pub type Matrix = Vec<Vec<f64>>;

/// Solves A x = b by Gaussian elimination with partial pivoting; None if A is singular (a
/// pivot below 1e-13 of the largest entry of its column).
pub fn solve(a: &[Vec<f64>], b: &[f64]) -> Option<Vec<f64>> {
    let n = b.len();
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    for col in 0..n {
        let piv = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[piv][col].abs() < 1e-13 {
            return None;
        }
        a.swap(col, piv);
        b.swap(col, piv);
        let (top, bottom) = a.split_at_mut(col + 1);
        let pivot_row = &top[col];
        for (row, r) in bottom.iter_mut().enumerate() {
            let f = r[col] / pivot_row[col];
            if f != 0.0 {
                for (x, p) in r[col..].iter_mut().zip(&pivot_row[col..]) {
                    *x -= f * p;
                }
                b[col + 1 + row] -= f * b[col];
            }
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}

/// The inverse of a square matrix; None if it is singular.
pub fn inverse(a: &[Vec<f64>]) -> Option<Matrix> {
    let n = a.len();
    let mut columns = Vec::with_capacity(n);
    for k in 0..n {
        let e: Vec<f64> = (0..n).map(|i| if i == k { 1.0 } else { 0.0 }).collect();
        columns.push(solve(a, &e)?);
    }
    Some(
        (0..n)
            .map(|i| (0..n).map(|k| columns[k][i]).collect())
            .collect(),
    )
}

/// The product A·B.
pub fn mul(a: &[Vec<f64>], b: &[Vec<f64>]) -> Matrix {
    let cols = b.first().map_or(0, Vec::len);
    a.iter()
        .map(|row| {
            (0..cols)
                .map(|j| row.iter().zip(b).map(|(x, r)| x * r[j]).sum())
                .collect()
        })
        .collect()
}

/// The row vector x·A.
pub fn row_times(x: &[f64], a: &[Vec<f64>]) -> Vec<f64> {
    let cols = a.first().map_or(0, Vec::len);
    (0..cols)
        .map(|j| x.iter().zip(a).map(|(v, r)| v * r[j]).sum())
        .collect()
}

/// The column vector A·y.
pub fn times_column(a: &[Vec<f64>], y: &[f64]) -> Vec<f64> {
    a.iter()
        .map(|row| row.iter().zip(y).map(|(x, v)| x * v).sum())
        .collect()
}

/// A + s·B, entry by entry.
pub fn add_scaled(a: &[Vec<f64>], s: f64, b: &[Vec<f64>]) -> Matrix {
    a.iter()
        .zip(b)
        .map(|(r, q)| r.iter().zip(q).map(|(x, y)| x + s * y).collect())
        .collect()
}

/// The n × n identity times `s`.
pub fn scaled_identity(n: usize, s: f64) -> Matrix {
    (0..n)
        .map(|i| (0..n).map(|j| if i == j { s } else { 0.0 }).collect())
        .collect()
}

/// The diagonal matrix of `d`.
pub fn diagonal(d: &[f64]) -> Matrix {
    let n = d.len();
    (0..n)
        .map(|i| (0..n).map(|j| if i == j { d[i] } else { 0.0 }).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_times_matrix_is_identity() {
        let a = vec![
            vec![4.0, -2.0, 1.0],
            vec![-2.0, 4.0, -2.0],
            vec![1.0, -2.0, 4.0],
        ];
        let inv = inverse(&a).unwrap();
        let id = mul(&a, &inv);
        for (i, row) in id.iter().enumerate() {
            for (j, x) in row.iter().enumerate() {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((x - want).abs() < 1e-14, "{id:?}");
            }
        }
        // A hand-checked 2 × 2: [[2, 1], [1, 1]]⁻¹ = [[1, −1], [−1, 2]].
        let inv = inverse(&[vec![2.0, 1.0], vec![1.0, 1.0]]).unwrap();
        assert_eq!(inv, vec![vec![1.0, -1.0], vec![-1.0, 2.0]]);
        assert!(inverse(&[vec![1.0, 2.0], vec![2.0, 4.0]]).is_none());
    }

    #[test]
    fn vector_products() {
        let a = vec![vec![1.0, 2.0], vec![3.0, 4.0]];
        assert_eq!(row_times(&[1.0, 1.0], &a), vec![4.0, 6.0]);
        assert_eq!(times_column(&a, &[1.0, 1.0]), vec![3.0, 7.0]);
        assert_eq!(
            add_scaled(&a, 2.0, &scaled_identity(2, 1.0)),
            vec![vec![3.0, 2.0], vec![3.0, 6.0]]
        );
        assert_eq!(diagonal(&[1.0, 2.0]), vec![vec![1.0, 0.0], vec![0.0, 2.0]]);
    }
}
